//! Saved web pages: metadata from the `<head>`, the article text as Markdown.
use std::collections::HashMap;

use scraper::{ElementRef, Html, Selector};

use super::fields::normalize_date;
use super::html_md::{render_root, unescape_for_compare};
use super::nesting::limit_html_depth;
use super::{collapse_whitespace, finish};
use crate::model::ArticleFields;

/// Converts an HTML fragment (a CMS body, a JSON `content_html` field) to Markdown.
pub(crate) fn html_fragment_to_markdown(html: &str) -> String {
    let doc = Html::parse_fragment(&limit_html_depth(html));
    render_root(doc.root_element())
}

pub(crate) fn parse_html(text: &str, stem: &str) -> Result<ArticleFields, String> {
    let doc = Html::parse_document(&limit_html_depth(text));
    let root = content_root(&doc);
    let mut f = ArticleFields {
        title: page_title(&doc, root),
        dek: meta(&doc, "meta[name=description]").or_else(|| meta(&doc, "meta[property='og:description']")),
        byline: byline(&doc),
        outlet: meta(&doc, "meta[property='og:site_name']"),
        url: attr(&doc, "link[rel=canonical]", "href").or_else(|| meta(&doc, "meta[property='og:url']")),
        language: attr(&doc, "html[lang]", "lang"),
        published: meta(&doc, "meta[property='article:published_time']")
            .or_else(|| attr(&doc, "time[datetime]", "datetime"))
            .map(|d| normalize_date(&d)),
        tags: tags(&doc),
        ..Default::default()
    };
    f.body = render_root(root);
    drop_title_heading(&mut f);
    if f.title.is_empty() {
        f.title = stem.to_string();
    }
    finish(f, stem)
}

/// The page's own heading usually repeats the title; keeping it would show the title twice.
fn drop_title_heading(f: &mut ArticleFields) {
    let Some(first) = f.body.lines().next() else {
        return;
    };
    if let Some(heading) = first.strip_prefix("# ")
        && collapse_whitespace(&unescape_for_compare(heading)) == f.title
    {
        f.body = f.body[first.len()..].trim_start_matches('\n').to_string();
    }
}

fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

fn attr(doc: &Html, css: &str, name: &str) -> Option<String> {
    let sel = selector(css)?;
    doc.select(&sel).filter_map(|e| e.value().attr(name)).map(collapse_whitespace).find(|v| !v.is_empty())
}

fn meta(doc: &Html, css: &str) -> Option<String> {
    attr(doc, css, "content")
}

fn text_of(el: ElementRef) -> String {
    collapse_whitespace(&el.text().collect::<String>())
}

fn first_text(root: ElementRef, css: &str) -> Option<String> {
    let sel = selector(css)?;
    root.select(&sel).map(text_of).find(|t| !t.is_empty())
}

fn page_title(doc: &Html, root: ElementRef) -> String {
    meta(doc, "meta[property='og:title']")
        .or_else(|| first_text(root, "h1"))
        .or_else(|| first_text(doc.root_element(), "h1"))
        .or_else(|| first_text(doc.root_element(), "title").map(|t| trim_site_suffix(&t)))
        .unwrap_or_default()
}

/// "Budget passes | The Ledger" → "Budget passes".
fn trim_site_suffix(title: &str) -> String {
    for sep in [" | ", " – ", " — ", " - ", " :: ", " · "] {
        if let Some(i) = title.rfind(sep)
            && i > 0
        {
            return title[..i].trim().to_string();
        }
    }
    title.to_string()
}

fn byline(doc: &Html) -> Option<String> {
    let not_url = |s: &String| !s.starts_with("http://") && !s.starts_with("https://");
    meta(doc, "meta[name=author]")
        .or_else(|| meta(doc, "meta[property='article:author']").filter(not_url))
        .or_else(|| first_text(doc.root_element(), "[rel~=author]"))
        .or_else(|| first_text(doc.root_element(), ".byline"))
        .map(|b| {
            let b = b.trim();
            b.strip_prefix("By ").or_else(|| b.strip_prefix("by ")).unwrap_or(b).trim().to_string()
        })
}

fn tags(doc: &Html) -> Vec<String> {
    let Some(sel) = selector("meta[property='article:tag']") else {
        return Vec::new();
    };
    let tags: Vec<String> =
        doc.select(&sel).filter_map(|e| e.value().attr("content")).map(collapse_whitespace).collect();
    if !tags.is_empty() {
        return tags;
    }
    meta(doc, "meta[name=keywords]")
        .map(|k| k.split([',', '，', ';']).map(|t| t.trim().to_string()).collect())
        .unwrap_or_default()
}

/// Where the article text lives: `<article>`, else `<main>`, else the element whose own
/// paragraphs hold the most text, else `<body>`.
fn content_root(doc: &Html) -> ElementRef<'_> {
    for css in ["article", "main", "[role=main]"] {
        if let Some(sel) = selector(css) {
            let best = doc.select(&sel).max_by_key(|e| e.text().map(str::len).sum::<usize>());
            if let Some(el) = best {
                return el;
            }
        }
    }
    if let Some(sel) = selector("p") {
        let mut per_parent = HashMap::new();
        for p in doc.select(&sel) {
            if let Some(parent) = p.parent() {
                *per_parent.entry(parent.id()).or_insert(0usize) += p.text().map(str::len).sum::<usize>();
            }
        }
        let best = per_parent
            .into_iter()
            .max_by_key(|(_, len)| *len)
            .and_then(|(id, _)| doc.tree.get(id))
            .and_then(ElementRef::wrap);
        if let Some(el) = best {
            return el;
        }
    }
    selector("body").and_then(|s| doc.select(&s).next()).unwrap_or_else(|| doc.root_element())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::parse_file;
    use std::path::Path;

    const PAGE: &str = r#"<!DOCTYPE html><html lang="en-US"><head>
<title>Council passes budget | The Ledger</title>
<meta name="description" content="A three-year plan.">
<meta name="author" content="Ann Lee">
<meta property="og:site_name" content="The Ledger">
<meta property="article:published_time" content="2024-05-06T07:08:09+02:00">
<meta property="article:tag" content="budget"><meta property="article:tag" content="council">
<link rel="canonical" href="https://ledger.example/budget">
<script>var tracking = 1;</script><style>p { color: red }</style>
</head><body><nav><a href="/">Home</a></nav><header>Site header</header>
<article><h1>Council passes budget</h1>
<p>The council <strong>voted</strong> on <em>Tuesday</em>.<br>New line.</p>
<p>See <a href="https://ledger.example/doc">the document</a> and <a href="javascript:alert(1)">this</a>.</p>
<script>alert(1)</script><img src=x onerror=alert(1)>
<p>Math: a &lt; b and &lt;script&gt;alert(1)&lt;/script&gt; as text.</p>
<ul><li>One</li><li>Two <b>bold</b></li></ul><ol start="3"><li>Three</li></ol>
<blockquote><p>Quoted words.</p></blockquote>
<h2>Details</h2><pre>let x = 1 < 2;</pre>
<div hidden>secret</div><aside>Related links</aside><form><button>Go</button></form>
<iframe src="https://ads.example"></iframe><svg><text>svg</text></svg>
</article><footer>Copyright</footer></body></html>"#;

    #[test]
    fn page_metadata_and_body() {
        let mut records = parse_file(Path::new("page.html"), PAGE.as_bytes()).expect("parse");
        let f = records.remove(0).result.expect("record");
        assert_eq!(f.title, "Council passes budget");
        assert_eq!(f.dek.as_deref(), Some("A three-year plan."));
        assert_eq!(f.byline.as_deref(), Some("Ann Lee"));
        assert_eq!(f.outlet.as_deref(), Some("The Ledger"));
        assert_eq!(f.url.as_deref(), Some("https://ledger.example/budget"));
        assert_eq!(f.language.as_deref(), Some("en"));
        assert_eq!(f.published.as_deref(), Some("2024-05-06T07:08:09+02:00"));
        assert_eq!(f.tags, ["budget", "council"]);
        let expected = "The council **voted** on *Tuesday*.\\\nNew line.\n\n\
            See [the document](https://ledger.example/doc) and this.\n\n\
            Math: a \\< b and \\<script>alert(1)\\</script> as text.\n\n\
            - One\n- Two **bold**\n\n3. Three\n\n> Quoted words.\n\n## Details\n\n```\nlet x = 1 < 2;\n```";
        assert_eq!(f.body, expected);
    }

    #[test]
    fn no_executable_trace_survives() {
        let f = parse_file(Path::new("p.htm"), PAGE.as_bytes()).expect("parse").remove(0).result.expect("ok");
        // Render without any sanitiser: the Markdown itself must not carry live HTML.
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(&f.body));
        for bad in ["<script", "<img", "onerror", "javascript:", "<iframe", "secret", "Related", "tracking"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }

    #[test]
    fn title_fallbacks_and_body_guess() {
        let page = "<html><head><title>关于预算的报道 - 新闻网</title></head><body>\
            <div class=menu><p>菜单</p></div><div class=story><p>市议会周二投票通过了新预算。</p>\
            <p>预算将增加公共交通支出。</p></div></body></html>";
        let f = parse_file(Path::new("z.html"), page.as_bytes()).expect("p").remove(0).result.expect("ok");
        assert_eq!(f.title, "关于预算的报道");
        assert_eq!(f.body, "市议会周二投票通过了新预算。\n\n预算将增加公共交通支出。");
        assert_eq!(f.language.as_deref(), Some("zh"));
    }

    #[test]
    fn page_without_text_is_an_error() {
        let err =
            parse_file(Path::new("e.html"), b"<html><body><script>x()</script></body></html>").expect_err("empty");
        assert_eq!(err, "no body text");
    }

    #[test]
    fn truncated_page_keeps_what_arrived() {
        let cut = &PAGE[..PAGE.find("Quoted").expect("marker")];
        let f = parse_file(Path::new("cut.html"), cut.as_bytes()).expect("p").remove(0).result.expect("ok");
        assert_eq!(f.title, "Council passes budget");
        assert!(f.body.ends_with("- One\n- Two **bold**\n\n3. Three"), "{}", f.body);
    }

    #[test]
    fn deeply_nested_markup_does_not_overflow() {
        let depth = 5_000;
        let html = format!("{}<b>deep</b> text{}", "<div><span>".repeat(depth), "</span></div>".repeat(depth));
        let md = html_fragment_to_markdown(&html);
        assert_eq!(md, "deep text");
    }

    /// 200,000 nested elements (2.2 MB) took three minutes in the parser before the depth was bounded.
    #[test]
    fn hostile_nesting_is_linear() {
        let depth = 200_000;
        let html = format!("{}<b>deep</b> text{}", "<div>".repeat(depth), "</div>".repeat(depth));
        assert_eq!(html_fragment_to_markdown(&html), "deep text");
        let page = format!("<html><body><article><h1>Deep</h1>{html}</article></body></html>");
        let f = parse_file(Path::new("deep.html"), page.as_bytes()).expect("p").remove(0).result.expect("ok");
        assert_eq!(f.body, "deep text");
    }

    #[test]
    fn fragment_conversion() {
        let md = html_fragment_to_markdown(
            "<p>snake_case and _emph_ * star</p><table><tr><th>A</th><th>B</th></tr><tr><td>1|2</td><td>3</td></tr></table>",
        );
        assert_eq!(md, "snake_case and \\_emph\\_ \\* star\n\n| A | B |\n| --- | --- |\n| 1\\|2 | 3 |");
    }
}
