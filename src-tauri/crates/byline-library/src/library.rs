//! The `Library`: articles, revisions and attachments in one SQLite file.
use std::path::Path;

use byline_core::{Error, Result};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use sha2::{Digest, Sha256};

use crate::db::{self, DbResultExt};
use crate::fts;
use crate::model::{Article, ArticleFields, ArticleSummary, Attachment, AttachmentKind, Revision, SearchHit};

pub struct Library {
    pub(crate) conn: Connection,
}

const ARTICLE_COLUMNS: &str = "id, title, body, dek, byline, outlet, section, tags, url, language, published, \
     source_path, content_hash, created_at, updated_at";

/// SHA-256 of a file, hex, read in blocks: attachments and recordings are identified by it.
pub fn sha256_file(path: &Path) -> Result<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Hash used to recognise the same article text: whitespace differences do not count.
pub fn content_hash(fields: &ArticleFields) -> String {
    let mut hasher = Sha256::new();
    for word in fields.body.split_whitespace() {
        hasher.update(word.as_bytes());
        hasher.update(b" ");
    }
    hex::encode(hasher.finalize())
}

fn article_from_row(row: &Row<'_>) -> rusqlite::Result<Article> {
    let tags: String = row.get(7)?;
    Ok(Article {
        id: row.get(0)?,
        fields: ArticleFields {
            title: row.get(1)?,
            body: row.get(2)?,
            dek: row.get(3)?,
            byline: row.get(4)?,
            outlet: row.get(5)?,
            section: row.get(6)?,
            tags: serde_json::from_str(&tags).unwrap_or_default(),
            url: row.get(8)?,
            language: row.get(9)?,
            published: row.get(10)?,
        },
        source_path: row.get(11)?,
        content_hash: row.get(12)?,
        created_at: row.get(13)?,
        updated_at: row.get(14)?,
    })
}

fn tags_json(fields: &ArticleFields) -> String {
    serde_json::to_string(&fields.tags).unwrap_or_else(|_| "[]".into())
}

fn meta_text(fields: &ArticleFields) -> String {
    let parts = [&fields.dek, &fields.byline, &fields.outlet, &fields.section];
    let mut text: Vec<&str> = parts.iter().filter_map(|p| p.as_deref()).collect();
    text.extend(fields.tags.iter().map(String::as_str));
    fts::index_text(&text.join("\n"))
}

fn write_fts(tx: &Transaction<'_>, id: i64, fields: &ArticleFields) -> Result<()> {
    tx.execute("DELETE FROM articles_fts WHERE rowid = ?1", [id]).db()?;
    tx.execute(
        "INSERT INTO articles_fts(rowid, title, body, meta) VALUES (?1, ?2, ?3, ?4)",
        params![id, fts::index_text(&fields.title), fts::index_text(&fields.body), meta_text(fields)],
    )
    .db()?;
    Ok(())
}

/// Inserts an article inside a caller's transaction (the importer batches many).
pub(crate) fn insert_article(
    tx: &Transaction<'_>,
    fields: &ArticleFields,
    source_path: Option<&str>,
    hash: &str,
) -> Result<i64> {
    let now = db::now();
    tx.execute(
        "INSERT INTO articles (title, body, dek, byline, outlet, section, tags, url, language, published, \
         source_path, content_hash, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
        params![
            fields.title,
            fields.body,
            fields.dek,
            fields.byline,
            fields.outlet,
            fields.section,
            tags_json(fields),
            fields.url,
            fields.language,
            fields.published,
            source_path,
            hash,
            now
        ],
    )
    .db()?;
    let id = tx.last_insert_rowid();
    write_fts(tx, id, fields)?;
    crate::usage::record_links(tx, id, &fields.body)?;
    Ok(id)
}

fn get_in(conn: &Connection, id: i64) -> Result<Article> {
    conn.query_row(&format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?1"), [id], article_from_row)
        .optional()
        .db()?
        .ok_or_else(|| Error::not_found("article", id))
}

impl Library {
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self { conn: db::open(path)? })
    }

    pub fn open_in_memory() -> Result<Self> {
        Ok(Self { conn: db::open_in_memory()? })
    }

    /// The underlying connection, for engine crates that keep their own tables in the library file
    /// (embeddings, transcripts, assistant history). Their schema lives in this crate's migrations.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Mutable access to the connection, for transactions over an engine crate's own tables.
    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn create(&mut self, fields: &ArticleFields) -> Result<Article> {
        let tx = self.conn.transaction().db()?;
        let id = insert_article(&tx, fields, None, &content_hash(fields))?;
        tx.commit().db()?;
        self.get(id)
    }

    pub fn get(&self, id: i64) -> Result<Article> {
        get_in(&self.conn, id)
    }

    /// The article as an export would have it: links to other articles (`byline://article/ID`) point at
    /// their web address, or become plain text where they have none, because nothing outside the app can
    /// open them.
    pub fn for_export(&self, id: i64) -> Result<Article> {
        let mut article = self.get(id)?;
        let address = |linked: i64| {
            let url: Option<String> =
                self.conn.query_row("SELECT url FROM articles WHERE id = ?1", [linked], |r| r.get(0)).ok().flatten();
            url.map(|u| u.trim().to_string()).filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        };
        article.fields.body = crate::links::rewrite_internal_links(&article.fields.body, address);
        Ok(article)
    }

    /// Saves new field values. When anything changed, the replaced text is kept as a revision
    /// in the same transaction, so no save can lose the previous version.
    pub fn save(&mut self, id: i64, fields: &ArticleFields) -> Result<Article> {
        let tx = self.conn.transaction().db()?;
        let current = get_in(&tx, id)?;
        if current.fields == *fields {
            return Ok(current);
        }
        store_revision(&tx, &current, "edit")?;
        crate::prune::prune_autosaves(&tx, id)?;
        update_article(&tx, id, fields)?;
        tx.commit().db()?;
        self.get(id)
    }

    pub fn delete(&mut self, id: i64) -> Result<()> {
        let tx = self.conn.transaction().db()?;
        if tx.execute("DELETE FROM articles WHERE id = ?1", [id]).db()? == 0 {
            return Err(Error::not_found("article", id));
        }
        tx.execute("DELETE FROM articles_fts WHERE rowid = ?1", [id]).db()?;
        tx.commit().db()
    }

    /// Most recently updated first.
    pub fn list(&self, limit: u32, offset: u32) -> Result<Vec<ArticleSummary>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, title, dek, byline, language, published, updated_at FROM articles \
                 ORDER BY updated_at DESC, id DESC LIMIT ?1 OFFSET ?2",
            )
            .db()?;
        let rows = stmt
            .query_map([limit, offset], |r| {
                Ok(ArticleSummary {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    dek: r.get(2)?,
                    byline: r.get(3)?,
                    language: r.get(4)?,
                    published: r.get(5)?,
                    updated_at: r.get(6)?,
                })
            })
            .db()?;
        rows.collect::<rusqlite::Result<_>>().db()
    }

    pub fn count(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row("SELECT COUNT(*) FROM articles", [], |r| r.get(0)).db()?;
        Ok(n.max(0) as u64)
    }

    /// How many articles contain `term`, matched as search matches it (English stemmed, Chinese by characters,
    /// several words as a phrase).
    pub fn document_frequency(&self, term: &str) -> Result<u64> {
        let Some(query) = fts::build_query(&format!("\"{}\"", term.replace('"', " "))) else { return Ok(0) };
        let n: i64 = self
            .conn
            .prepare_cached("SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?1")
            .db()?
            .query_row([query], |r| r.get(0))
            .db()?;
        Ok(n.max(0) as u64)
    }

    /// Ranked full-text search (BM25, title weighted above body) with highlighted snippets.
    pub fn search(&self, query: &str, limit: u32) -> Result<Vec<SearchHit>> {
        let Some(fts_query) = fts::build_query(query) else {
            return Ok(Vec::new());
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT rowid, highlight(articles_fts, 0, char(57344), char(57345)), \
                        snippet(articles_fts, 1, char(57344), char(57345), '…', 40), \
                        bm25(articles_fts, 8.0, 1.0, 2.0) AS score \
                 FROM articles_fts WHERE articles_fts MATCH ?1 ORDER BY score LIMIT ?2",
            )
            .db()?;
        let rows = stmt
            .query_map(params![fts_query, limit], |r| {
                let title: String = r.get(1)?;
                let snippet: String = r.get(2)?;
                Ok(SearchHit {
                    id: r.get(0)?,
                    title: title
                        .chars()
                        .filter(|&c| !matches!(c, fts::SEP | fts::MARK_OPEN | fts::MARK_CLOSE))
                        .collect(),
                    title_html: fts::marked_to_html(&title),
                    snippet_html: fts::marked_to_html(&snippet),
                    rank: r.get(3)?,
                })
            })
            .db()?;
        rows.collect::<rusqlite::Result<_>>().db()
    }

    /// Returns the id of an article whose text has this hash, if any.
    pub fn find_by_hash(&self, hash: &str) -> Result<Option<i64>> {
        self.conn
            .query_row("SELECT id FROM articles WHERE content_hash = ?1 LIMIT 1", [hash], |r| r.get(0))
            .optional()
            .db()
    }

    /// Newest first.
    pub fn revisions(&self, article_id: i64) -> Result<Vec<Revision>> {
        get_in(&self.conn, article_id)?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, article_id, title, body, content_hash, created_at, reason FROM revisions \
                 WHERE article_id = ?1 ORDER BY id DESC",
            )
            .db()?;
        let rows = stmt
            .query_map([article_id], |r| {
                Ok(Revision {
                    id: r.get(0)?,
                    article_id: r.get(1)?,
                    title: r.get(2)?,
                    body: r.get(3)?,
                    content_hash: r.get(4)?,
                    created_at: r.get(5)?,
                    reason: r.get(6)?,
                })
            })
            .db()?;
        rows.collect::<rusqlite::Result<_>>().db()
    }

    /// Brings back a revision. The text it replaces is kept as a revision too, so a restore
    /// can itself be undone.
    pub fn restore(&mut self, article_id: i64, revision_id: i64) -> Result<Article> {
        let tx = self.conn.transaction().db()?;
        let current = get_in(&tx, article_id)?;
        let (title, body, fields_json): (String, String, String) = tx
            .query_row(
                "SELECT title, body, fields FROM revisions WHERE id = ?1 AND article_id = ?2",
                [revision_id, article_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .db()?
            .ok_or_else(|| Error::not_found("revision", revision_id))?;
        let fields: ArticleFields = serde_json::from_str(&fields_json)
            .map_err(|e| Error::Database(format!("revision {revision_id} is unreadable: {e}")))?;
        let fields = ArticleFields { title, body, ..fields };
        store_revision(&tx, &current, "restore")?;
        update_article(&tx, article_id, &fields)?;
        tx.commit().db()?;
        self.get(article_id)
    }

    pub fn add_attachment(
        &mut self,
        article_id: i64,
        kind: AttachmentKind,
        path: &str,
        sha256: &str,
        mime: Option<&str>,
        metadata: &serde_json::Value,
    ) -> Result<Attachment> {
        get_in(&self.conn, article_id)?;
        let kind_text = serde_json::to_value(kind).db()?.as_str().unwrap_or("other").to_string();
        self.conn
            .execute(
                "INSERT INTO attachments (article_id, kind, path, sha256, mime, metadata, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![article_id, kind_text, path, sha256, mime, metadata.to_string(), db::now()],
            )
            .db()?;
        let id = self.conn.last_insert_rowid();
        self.attachments(article_id)?.into_iter().find(|a| a.id == id).ok_or_else(|| Error::not_found("attachment", id))
    }

    pub fn attachments(&self, article_id: i64) -> Result<Vec<Attachment>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, article_id, kind, path, sha256, mime, metadata, created_at FROM attachments \
                 WHERE article_id = ?1 ORDER BY id",
            )
            .db()?;
        let rows = stmt
            .query_map([article_id], |r| {
                let kind: String = r.get(2)?;
                let metadata: String = r.get(6)?;
                Ok(Attachment {
                    id: r.get(0)?,
                    article_id: r.get(1)?,
                    kind: serde_json::from_value(serde_json::Value::String(kind)).unwrap_or(AttachmentKind::Other),
                    path: r.get(3)?,
                    sha256: r.get(4)?,
                    mime: r.get(5)?,
                    metadata: serde_json::from_str(&metadata).unwrap_or(serde_json::Value::Null),
                    created_at: r.get(7)?,
                })
            })
            .db()?;
        rows.collect::<rusqlite::Result<_>>().db()
    }

    /// `PRAGMA integrity_check`: "ok" for a healthy file.
    pub fn integrity_check(&self) -> Result<String> {
        self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).db()
    }
}

fn store_revision(tx: &Transaction<'_>, current: &Article, reason: &str) -> Result<()> {
    // Title and body have their own columns; the JSON carries the other fields only.
    let others = ArticleFields { title: String::new(), body: String::new(), ..current.fields.clone() };
    let fields = serde_json::to_string(&others).db()?;
    tx.execute(
        "INSERT INTO revisions (article_id, title, body, fields, content_hash, reason, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![current.id, current.fields.title, current.fields.body, fields, current.content_hash, reason, db::now()],
    )
    .db()?;
    Ok(())
}

fn update_article(tx: &Transaction<'_>, id: i64, fields: &ArticleFields) -> Result<()> {
    tx.execute(
        "UPDATE articles SET title = ?2, body = ?3, dek = ?4, byline = ?5, outlet = ?6, section = ?7, tags = ?8, \
         url = ?9, language = ?10, published = ?11, content_hash = ?12, updated_at = ?13 WHERE id = ?1",
        params![
            id,
            fields.title,
            fields.body,
            fields.dek,
            fields.byline,
            fields.outlet,
            fields.section,
            tags_json(fields),
            fields.url,
            fields.language,
            fields.published,
            content_hash(fields),
            db::now()
        ],
    )
    .db()?;
    write_fts(tx, id, fields)?;
    crate::usage::record_links(tx, id, &fields.body)
}
