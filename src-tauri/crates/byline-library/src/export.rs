//! Article export: Markdown with front matter that the importer reads back unchanged, and a
//! standalone, sanitised HTML page that is safe to open in any browser.
use ammonia::Builder;
use pulldown_cmark::{Options, Parser, html};
use serde::Serialize;

use crate::model::Article;

/// Front matter keys, in the order a reader expects them. Empty fields are left out.
#[derive(Serialize)]
struct FrontMatter<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dek: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    byline: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outlet: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    section: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<&'a str>,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The article as Markdown with YAML front matter. The YAML serialiser quotes whatever needs
/// it (colons, quotes, `#`, values that look like numbers), so every title round-trips.
pub fn to_markdown(article: &Article) -> String {
    let f = &article.fields;
    let front = FrontMatter {
        title: f.title.trim(),
        dek: non_empty(&f.dek),
        byline: non_empty(&f.byline),
        outlet: non_empty(&f.outlet),
        section: non_empty(&f.section),
        tags: &f.tags,
        url: non_empty(&f.url),
        language: non_empty(&f.language),
        published: non_empty(&f.published),
    };
    // Serialising a struct of strings cannot fail; an empty block is still valid front matter.
    let yaml = serde_yaml_ng::to_string(&front).unwrap_or_default();
    let yaml = if yaml.trim() == "{}" { String::new() } else { yaml };
    format!("---\n{yaml}---\n\n{}\n", f.body.trim_end())
}

/// Renders Markdown to HTML and sanitises it: no scripts, no event handlers, only web and mail
/// links, and every link opened without giving the target page a handle on ours.
pub fn markdown_to_safe_html(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, parser);
    Builder::default()
        .url_schemes(["http", "https", "mailto"].into())
        .link_rel(Some("noopener noreferrer"))
        .clean(&raw)
        .to_string()
}

const STYLE: &str = "body{font:17px/1.6 Georgia,'Noto Serif','Songti SC',serif;max-width:40em;margin:2em auto;\
padding:0 1em;color:#111}h1{font-size:1.9em;line-height:1.2;margin-bottom:.3em}.dek{font-size:1.2em;color:#444}\
.meta{color:#555;font-size:.9em}.tags{padding:0;color:#555;font-size:.85em}.tags li{display:inline;margin-right:.8em}\
blockquote{border-left:3px solid #ccc;margin-left:0;padding-left:1em;color:#333}img{max-width:100%}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}pre{white-space:pre-wrap}\
@media print{body{margin:0;max-width:none;font-size:11pt}a{color:inherit}}";

/// A complete HTML5 page for the article, with a Content-Security-Policy that forbids scripts
/// and remote loads other than https images, so even a hostile body stays inert.
pub fn to_html(article: &Article) -> String {
    let f = &article.fields;
    let lang = f
        .language
        .as_deref()
        .map(|l| l.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "und".into());
    let title = escape(f.title.trim());
    let mut out = String::with_capacity(f.body.len() * 2 + 2048);
    out.push_str("<!DOCTYPE html>\n");
    out.push_str(&format!("<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n"));
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data: https:\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<article>\n<header>\n"));
    out.push_str(&format!("<h1>{title}</h1>\n"));
    if let Some(dek) = non_empty(&f.dek) {
        out.push_str(&format!("<p class=\"dek\">{}</p>\n", escape(dek)));
    }
    let meta: Vec<String> = [
        non_empty(&f.byline).map(|b| format!("By {}", escape(b))),
        non_empty(&f.outlet).map(escape),
        non_empty(&f.published).map(|d| format!("<time datetime=\"{0}\">{0}</time>", escape(d))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !meta.is_empty() {
        out.push_str(&format!("<p class=\"meta\">{}</p>\n", meta.join(" · ")));
    }
    if !f.tags.is_empty() {
        let items: Vec<String> = f.tags.iter().map(|t| format!("<li>{}</li>", escape(t))).collect();
        out.push_str(&format!("<ul class=\"tags\">{}</ul>\n", items.join("")));
    }
    out.push_str("</header>\n");
    out.push_str(&markdown_to_safe_html(&f.body));
    if let Some(url) = non_empty(&f.url).filter(|u| u.starts_with("https://") || u.starts_with("http://")) {
        let url = escape(url);
        out.push_str(&format!(
            "<p class=\"meta\">Source: <a href=\"{url}\" rel=\"noopener noreferrer\">{url}</a></p>\n"
        ));
    }
    out.push_str("</article>\n</body>\n</html>\n");
    out
}

/// Escapes text for HTML element content and double-quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::parse_file;
    use crate::model::ArticleFields;
    use std::path::Path;

    fn article(fields: ArticleFields) -> Article {
        Article {
            id: 1,
            fields,
            source_path: None,
            content_hash: String::new(),
            created_at: "2024-01-01T00:00:00Z".into(),
            updated_at: "2024-01-01T00:00:00Z".into(),
        }
    }

    fn tricky() -> ArticleFields {
        ArticleFields {
            title: "Budget: \"yes\" — 预算 #1 'ok' & <b>".into(),
            body: "First paragraph with *emphasis*.\n\n## 小标题\n\n- one\n- two\n\n---\n\nEnd.".into(),
            dek: Some("A dek: with colon".into()),
            byline: Some("Ann Lee, 李明".into()),
            outlet: Some("The Ledger".into()),
            section: Some("City".into()),
            tags: vec!["budget".into(), "2024".into(), "yes".into(), "经济".into()],
            url: Some("https://ledger.example/a?b=c#d".into()),
            language: Some("zh".into()),
            published: Some("2024-03-05T09:00:00+08:00".into()),
        }
    }

    #[test]
    fn markdown_round_trips_through_the_importer() {
        for fields in [
            tricky(),
            ArticleFields {
                title: "123".into(),
                body: "Just a body.".into(),
                language: Some("en".into()),
                ..Default::default()
            },
        ] {
            let md = to_markdown(&article(fields.clone()));
            let mut records = parse_file(Path::new("x.md"), md.as_bytes()).expect("parse");
            let back = records.remove(0).result.expect("record");
            assert_eq!(back, fields, "\n{md}");
        }
    }

    #[test]
    fn markdown_omits_empty_fields() {
        let md = to_markdown(&article(ArticleFields {
            title: "T".into(),
            body: "B\n\n".into(),
            dek: Some(" ".into()),
            ..Default::default()
        }));
        assert_eq!(md, "---\ntitle: T\n---\n\nB\n");
    }

    #[test]
    fn safe_html_strips_active_content() {
        let md = "Hi <script>alert(1)</script> <img src=x onerror=alert(1)> \
                  [click](javascript:alert(1)) [ok](https://a.example)\n\n| a | b |\n|---|---|\n| 1 | ~~2~~ |";
        let html = markdown_to_safe_html(md);
        for bad in ["<script", "onerror", "javascript:"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains(r#"<a href="https://a.example" rel="noopener noreferrer">ok</a>"#), "{html}");
        assert!(html.contains("<table>") && html.contains("<del>2</del>"), "{html}");
    }

    #[test]
    fn html_page_is_standalone_and_escaped() {
        let mut fields = tricky();
        fields.body.push_str("\n\n<script>alert(1)</script>");
        let page = to_html(&article(fields));
        assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"zh\">"));
        assert!(page.contains("<meta charset=\"utf-8\">"));
        assert!(page.contains("default-src 'none'; style-src 'unsafe-inline'; img-src data: https:"));
        let title = "Budget: &quot;yes&quot; — 预算 #1 &#39;ok&#39; &amp; &lt;b&gt;";
        assert!(page.contains(&format!("<title>{title}</title>")));
        assert!(page.contains(&format!("<h1>{title}</h1>")));
        assert!(page.contains("By Ann Lee, 李明 · The Ledger · <time"));
        assert!(page.contains("<li>经济</li>"));
        assert!(page.contains("<h2>小标题</h2>"));
        assert!(!page.contains("<script") && !page.contains("<b>"));
    }
}
