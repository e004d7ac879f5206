//! A minimal valid Word document (Office Open XML): the three parts Word requires, one paragraph per
//! segment, the time and speaker in bold before the text.

use std::io::{Cursor, Write};

use byline_core::{Error, Result};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use super::ExportOptions;
use super::text::prefix;
use crate::transcript::Transcript;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// Escapes text for XML and drops characters XML 1.0 cannot hold.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

fn run(text: &str, bold: bool) -> String {
    let props = if bold { "<w:rPr><w:b/></w:rPr>" } else { "" };
    format!(r#"<w:r>{props}<w:t xml:space="preserve">{}</w:t></w:r>"#, xml(text))
}

pub fn docx(t: &Transcript, opts: ExportOptions) -> Result<Vec<u8>> {
    let mut body = String::new();
    body.push_str(r#"<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr>"#);
    body.push_str(&run("Transcript", true));
    body.push_str("</w:p>");
    for s in t.segments.iter().filter(|s| !s.text.trim().is_empty()) {
        body.push_str("<w:p>");
        let head = prefix(s, opts);
        if !head.is_empty() {
            body.push_str(&run(&head, true));
        }
        body.push_str(&run(s.text.trim(), false));
        body.push_str("</w:p>");
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    let zip_err = |e: zip::result::ZipError| Error::InvalidInput(format!("writing the DOCX failed: {e}"));
    let io_err = |e: std::io::Error| Error::io("writing the DOCX", e);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default();
    for (name, content) in
        [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS), ("word/document.xml", &document)]
    {
        zip.start_file(name, opts).map_err(zip_err)?;
        zip.write_all(content.as_bytes()).map_err(io_err)?;
    }
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}
