use crate::import::parse_file;
use std::path::Path;

fn wxr(items: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>The Ledger &amp; Co</title><link>https://ledger.example</link><language>en-US</language>
<wp:wxr_version>1.2</wp:wxr_version>
{items}
</channel></rss>"#
    )
}

const POST: &str = r#"<item><title>Budget passes</title><link>https://ledger.example/budget</link>
<pubDate>Tue, 05 Mar 2024 10:20:30 +0000</pubDate><dc:creator><![CDATA[ann]]></dc:creator>
<content:encoded><![CDATA[The council voted.

Second <strong>paragraph</strong>.<script>alert(1)</script>]]></content:encoded>
<excerpt:encoded><![CDATA[Short dek]]></excerpt:encoded>
<wp:post_date_gmt><![CDATA[2024-03-05 09:00:00]]></wp:post_date_gmt>
<wp:post_type><![CDATA[post]]></wp:post_type><wp:status><![CDATA[publish]]></wp:status>
<category domain="category" nicename="city"><![CDATA[City]]></category>
<category domain="post_tag" nicename="budget"><![CDATA[budget]]></category>
<category domain="post_tag" nicename="council"><![CDATA[council]]></category>
<wp:postmeta><wp:meta_key>_edit_last</wp:meta_key><wp:meta_value>1</wp:meta_value></wp:postmeta>
</item>"#;

const CHINESE_PAGE: &str = r#"<item><title>关于我们</title><link>https://ledger.example/about</link>
<pubDate>Mon, 30 Nov -0001 00:00:00 +0000</pubDate><dc:creator>李明</dc:creator>
<content:encoded>&lt;p&gt;我们是一家独立的新闻机构，报道本地新闻。&lt;/p&gt;</content:encoded>
<wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>
<wp:post_type>page</wp:post_type><wp:status>draft</wp:status></item>"#;

const SKIPPED: &str = r#"<item><title>photo.jpg</title><content:encoded></content:encoded>
<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status></item>
<item><title>Binned</title><content:encoded>gone</content:encoded>
<wp:post_type>post</wp:post_type><wp:status>trash</wp:status></item>"#;

const EMPTY: &str = r#"<item><title>Empty one</title><content:encoded><![CDATA[]]></content:encoded>
<wp:post_type>post</wp:post_type><wp:status>publish</wp:status></item>"#;

#[test]
fn items_become_articles() {
    let doc = wxr(&format!("{POST}\n{CHINESE_PAGE}\n{SKIPPED}\n{EMPTY}"));
    let records = parse_file(Path::new("export.xml"), doc.as_bytes()).expect("wxr");
    assert_eq!(records.len(), 3, "{records:?}");
    let post = records[0].result.as_ref().expect("post");
    assert_eq!(records[0].location.as_deref(), Some("item 1 'Budget passes'"));
    assert_eq!(post.title, "Budget passes");
    assert_eq!(post.body, "The council voted.\n\nSecond **paragraph**.");
    assert_eq!(post.dek.as_deref(), Some("Short dek"));
    assert_eq!(post.byline.as_deref(), Some("ann"));
    assert_eq!(post.url.as_deref(), Some("https://ledger.example/budget"));
    assert_eq!(post.published.as_deref(), Some("2024-03-05T09:00:00Z"));
    assert_eq!(post.section.as_deref(), Some("City"));
    assert_eq!(post.tags, ["budget", "council"]);
    assert_eq!(post.outlet.as_deref(), Some("The Ledger & Co"));
    assert_eq!(post.language.as_deref(), Some("en"));
    let page = records[1].result.as_ref().expect("page");
    assert_eq!(page.title, "关于我们");
    assert_eq!(page.body, "我们是一家独立的新闻机构，报道本地新闻。");
    assert_eq!(page.published, None);
    assert_eq!(page.byline.as_deref(), Some("李明"));
    let err = records[2].result.as_ref().expect_err("empty");
    assert_eq!(err, "item 5 'Empty one': no content");
}

#[test]
fn truncated_export_keeps_complete_items() {
    let doc = wxr(&format!("{POST}\n{CHINESE_PAGE}"));
    let cut = &doc[..doc.find("我们是").expect("marker")];
    let records = parse_file(Path::new("cut.xml"), cut.as_bytes()).expect("partial");
    assert_eq!(records.len(), 2);
    assert!(records[0].result.is_ok());
    assert_eq!(records[1].location.as_deref(), Some("end of file"));
    assert!(records[1].result.as_ref().expect_err("cut").contains("truncated"));
    // Cut before any item finished: nothing to salvage, so the file itself fails.
    let early = &doc[..doc.find("Second").expect("marker")];
    let err = parse_file(Path::new("cut.xml"), early.as_bytes()).expect_err("early");
    assert!(err.starts_with("invalid WordPress export:"), "{err}");
}

#[test]
fn broken_xml_reports_position() {
    let doc = wxr("<item><title>A</wrong></item>");
    let err = parse_file(Path::new("bad.xml"), doc.as_bytes()).expect_err("bad");
    assert!(err.starts_with("invalid WordPress export: XML error at byte"), "{err}");
}

#[test]
fn other_xml_is_not_wxr() {
    for doc in [
        "<?xml version=\"1.0\"?><note><to>x</to></note>",
        "<rss version=\"2.0\"><channel><title>Plain feed</title></channel></rss>",
        "just some text",
    ] {
        let err = parse_file(Path::new("x.xml"), doc.as_bytes()).expect_err("not wxr");
        assert!(err.starts_with("not a WordPress export (WXR) file"), "{doc}: {err}");
    }
}

#[test]
fn utf16_export_decodes() {
    let doc = wxr(CHINESE_PAGE);
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(doc.encode_utf16().flat_map(u16::to_le_bytes));
    let records = parse_file(Path::new("u16.xml"), &bytes).expect("utf16");
    assert_eq!(records[0].result.as_ref().expect("page").title, "关于我们");
}

#[test]
fn oversized_item_is_a_record_error() {
    let huge = "x".repeat(crate::import::MAX_ARTICLE_BYTES + 1);
    let big = format!(
        "<item><title>Big</title><content:encoded><![CDATA[{huge}]]></content:encoded>\
         <wp:post_type>post</wp:post_type></item>{POST}"
    );
    let records = parse_file(Path::new("big.xml"), wxr(&big).as_bytes()).expect("file");
    let err = records[0].result.as_ref().expect_err("big");
    assert!(err.contains("larger than the 16 MiB limit"), "{err}");
    assert!(records[1].result.is_ok());
}
