//! WordPress eXtended RSS (WXR), the file "Tools → Export" writes. Streamed with quick-xml so a
//! large site export is read in one pass.
//!
//! A file that breaks off part-way (an interrupted download, a full disk) keeps the items that
//! were complete before the break: they are returned, followed by one error record at "end of
//! file" that says where the XML stopped making sense. Losing a whole archive because its tail
//! is missing would be worse. A file whose first item is already broken is a file-level error.
use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::fields::{normalize_date, normalize_language};
use super::html::html_fragment_to_markdown;
use super::{MAX_ARTICLE_BYTES, ParsedRecord, collapse_whitespace, finish, human_size};
use crate::model::ArticleFields;

const NOT_WXR: &str = "not a WordPress export (WXR) file";

#[derive(Default)]
struct Item {
    title: String,
    link: String,
    pub_date: String,
    post_date_gmt: String,
    post_date: String,
    creator: String,
    content: String,
    excerpt: String,
    post_type: String,
    status: String,
    section: Option<String>,
    tags: Vec<String>,
}

#[derive(Default)]
struct Channel {
    outlet: Option<String>,
    language: Option<String>,
}

pub(crate) fn parse_wxr(text: &str, stem: &str) -> Result<Vec<ParsedRecord>, String> {
    let mut reader = Reader::from_str(text);
    // Hand-edited exports often contain a bare `&` in a title; refusing the whole file for it helps no one.
    reader.config_mut().allow_dangling_amp = true;
    let mut stack: Vec<String> = Vec::new();
    let mut channel = Channel::default();
    let mut item: Option<Item> = None;
    let mut item_number = 0;
    let mut text_buf = String::new();
    let mut domain = String::new();
    let mut records = Vec::new();
    let mut saw_root = false;
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) if stack.is_empty() => return Err(format!("{NOT_WXR}: XML error: {e}")),
            Err(e) => {
                return damaged(records, format!("XML error at byte {}: {e}", reader.error_position()));
            }
        };
        match event {
            Event::Start(e) => {
                let name = qname(&e);
                if stack.is_empty() {
                    if saw_root || !is_wxr_root(&e) {
                        return Err(NOT_WXR.into());
                    }
                    saw_root = true;
                }
                if name == "item" && stack.last().is_some_and(|p| p == "channel") {
                    item = Some(Item::default());
                    item_number += 1;
                }
                if name == "category" {
                    domain = attribute(&e, "domain").unwrap_or_default();
                }
                stack.push(name);
                text_buf.clear();
            }
            Event::Empty(e) if stack.is_empty() => {
                if saw_root || !is_wxr_root(&e) {
                    return Err(NOT_WXR.into());
                }
                saw_root = true;
            }
            Event::Text(t) => text_buf.push_str(&t.xml10_content().map_err(|e| e.to_string())?),
            Event::CData(c) => text_buf.push_str(&c.decode().map_err(|e| e.to_string())?),
            Event::GeneralRef(r) => text_buf.push_str(&resolve_ref(&r)),
            Event::End(_) => {
                let name = stack.pop().unwrap_or_default();
                let value = std::mem::take(&mut text_buf);
                let parent = stack.last().map(String::as_str);
                if name == "item"
                    && let Some(done) = item.take()
                {
                    if let Some(record) = finish_item(done, item_number, &channel, stem) {
                        records.push(record);
                    }
                } else if let (Some(it), Some("item")) = (item.as_mut(), parent) {
                    set_item_field(it, &name, value, &domain);
                } else if parent == Some("channel") {
                    match name.as_str() {
                        "title" => channel.outlet = Some(collapse_whitespace(&value)).filter(|s| !s.is_empty()),
                        "language" => channel.language = normalize_language(&value),
                        _ => {}
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    match stack.first() {
        None if !saw_root => Err(NOT_WXR.into()),
        None => Ok(records),
        Some(_) => {
            let open = stack.join(" > ");
            damaged(records, format!("file ends inside <{open}> before it closes"))
        }
    }
}

fn damaged(mut records: Vec<ParsedRecord>, problem: String) -> Result<Vec<ParsedRecord>, String> {
    if records.is_empty() {
        return Err(format!("invalid WordPress export: {problem}"));
    }
    records.push(ParsedRecord {
        location: Some("end of file".into()),
        result: Err(format!("{problem}; the file looks truncated or damaged, so nothing after this point was read")),
    });
    Ok(records)
}

fn qname(e: &BytesStart) -> String {
    String::from_utf8_lossy(e.name().as_ref()).into_owned()
}

fn attribute(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// A WXR document is `<rss>` declaring the `wp:` namespace at wordpress.org/export.
fn is_wxr_root(e: &BytesStart) -> bool {
    qname(e) == "rss"
        && e.attributes().flatten().any(|a| {
            a.key.as_ref().starts_with(b"xmlns:wp")
                && String::from_utf8_lossy(&a.value).contains("wordpress.org/export")
        })
}

fn resolve_ref(r: &BytesRef) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    let name = r.decode().map(|n| n.into_owned()).unwrap_or_default();
    if let Some(s) = quick_xml::escape::resolve_predefined_entity(&name) {
        return s.to_string();
    }
    // Kept as a reference so the HTML converter, which knows all HTML entities, resolves it.
    format!("&{name};")
}

fn set_item_field(it: &mut Item, name: &str, value: String, domain: &str) {
    match name {
        "title" => it.title = value,
        "link" => it.link = value,
        "pubDate" => it.pub_date = value,
        "dc:creator" => it.creator = value,
        "content:encoded" => it.content = value,
        "excerpt:encoded" => it.excerpt = value,
        "wp:post_date_gmt" => it.post_date_gmt = value,
        "wp:post_date" => it.post_date = value,
        "wp:post_type" => it.post_type = value,
        "wp:status" => it.status = value,
        "category" if domain == "category" && it.section.is_none() => it.section = Some(value),
        "category" if domain == "post_tag" => it.tags.push(value),
        _ => {}
    }
}

/// Turns a finished `<item>` into a record, or `None` for things that aren't articles
/// (attachments, menu items, revisions) and for posts in the trash.
fn finish_item(it: Item, number: usize, channel: &Channel, stem: &str) -> Option<ParsedRecord> {
    let kind = it.post_type.trim();
    if !(kind.is_empty() || kind == "post" || kind == "page") || matches!(it.status.trim(), "trash" | "auto-draft") {
        return None;
    }
    let title = collapse_whitespace(&it.title);
    let location = if title.is_empty() { format!("item {number}") } else { format!("item {number} '{title}'") };
    let result = item_fields(it, channel, stem).map_err(|e| format!("{location}: {e}"));
    Some(ParsedRecord { location: Some(location), result })
}

fn item_fields(it: Item, channel: &Channel, stem: &str) -> Result<ArticleFields, String> {
    if it.content.trim().is_empty() {
        return Err("no content".into());
    }
    // Checked on the raw HTML, before the conversion spends time on something refused anyway.
    if it.content.len() > MAX_ARTICLE_BYTES {
        return Err(format!(
            "content is {}, larger than the {} limit",
            human_size(it.content.len()),
            human_size(MAX_ARTICLE_BYTES)
        ));
    }
    let published = [&it.post_date_gmt, &it.pub_date, &it.post_date]
        .into_iter()
        .map(|d| d.trim())
        .find(|d| !d.is_empty() && !d.starts_with("0000") && !d.contains("-0001"))
        .map(normalize_date);
    let excerpt = html_fragment_to_markdown(&autop(&it.excerpt));
    let f = ArticleFields {
        title: it.title,
        body: html_fragment_to_markdown(&autop(&it.content)),
        dek: Some(excerpt),
        byline: Some(it.creator),
        outlet: channel.outlet.clone(),
        section: it.section,
        tags: it.tags,
        url: Some(it.link),
        language: channel.language.clone(),
        published,
    };
    finish(f, stem)
}

/// WordPress stores classic-editor posts as text with blank lines between paragraphs and adds
/// the `<p>` tags only when showing them; without this the paragraphs would run together.
fn autop(html: &str) -> String {
    if !html.contains("\n\n") {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 64);
    for chunk in html.split("\n\n").map(str::trim).filter(|c| !c.is_empty()) {
        if starts_with_block(chunk) {
            out.push_str(chunk);
        } else {
            out.push_str("<p>");
            out.push_str(&chunk.replace('\n', "<br>\n"));
            out.push_str("</p>");
        }
        out.push('\n');
    }
    out
}

fn starts_with_block(chunk: &str) -> bool {
    const BLOCK: &[&str] = &[
        "p",
        "div",
        "ul",
        "ol",
        "li",
        "blockquote",
        "pre",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "figure",
        "hr",
        "section",
        "dl",
        "script",
        "style",
        "iframe",
        "form",
    ];
    if chunk.starts_with("<!--") {
        return true;
    }
    let Some(rest) = chunk.strip_prefix('<') else {
        return false;
    };
    let name: String = rest.chars().take_while(char::is_ascii_alphanumeric).collect();
    BLOCK.contains(&name.to_ascii_lowercase().as_str())
}

#[cfg(test)]
#[path = "wxr_tests.rs"]
mod tests;
