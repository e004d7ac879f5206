//! An article edited with autosave, killed mid-save a hundred times: every save the editor was told had
//! succeeded is there, the article is always one whole version (never half of one), the search index
//! agrees with it, and the text each save replaced is kept as a revision.
use std::path::Path;

use byline_library::{ArticleFields, Library};
use rand::Rng;

use super::{ROUNDS, Worker, env, jitter, rng};

const DB_ENV: &str = "BYLINE_CRASH_DB";
const ID_ENV: &str = "BYLINE_CRASH_ARTICLE";

/// Version `k` of a 20 KB story. The version number is in its first, middle and last paragraph, so a
/// body mixed from two versions, or cut short, is not any version.
fn body(k: u64) -> String {
    let mut paragraphs: Vec<String> = (0..40)
        .map(|p| {
            format!("Paragraph {p} of draft {k}: the council met on Tuesday to weigh the river budget. ").repeat(6)
        })
        .collect();
    for at in [0, 20, 39] {
        paragraphs[at].push_str(&format!("draftmark{k}"));
    }
    paragraphs.join("\n\n")
}

fn fields(k: u64) -> ArticleFields {
    ArticleFields { title: format!("River budget, draft {k}"), body: body(k), ..Default::default() }
}

/// Which version a body is, if it is exactly one.
fn version_of(text: &str) -> Option<u64> {
    let k = text.strip_prefix("Paragraph 0 of draft ")?.split(':').next()?.parse().ok()?;
    (body(k) == text).then_some(k)
}

/// The child: saves one new version after another, as autosave does while a reporter types, and
/// acknowledges each once `save` has returned.
pub fn child() {
    let mut lib = Library::open(Path::new(&env(DB_ENV))).expect("open the library");
    let id: i64 = env(ID_ENV).parse().expect("article id");
    let mut k = version_of(&lib.get(id).expect("article").fields.body).expect("a whole version");
    loop {
        k += 1;
        lib.save(id, &fields(k)).expect("save");
        println!("ACK {k}");
    }
}

#[test]
fn a_hundred_kills_during_autosaves_lose_no_saved_edit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("library.sqlite3");
    let id = Library::open(&db).expect("open").create(&fields(0)).expect("create").id;
    let mut rng = rng("edits");
    let mut version = 0;
    for round in 0..ROUNDS {
        let mut worker = Worker::child("edits", &[(DB_ENV, db.as_os_str()), (ID_ENV, id.to_string().as_ref())]);
        worker.wait_acks(rng.random_range(1..=6));
        let acks = worker.kill(jitter(&mut rng, 8));
        let acked: u64 = acks.last().expect("an acknowledgement").parse().expect("a version");
        assert!(acked > version, "round {round}: saves went on from version {version}");

        let lib = Library::open(&db).expect("the library opens after the kill");
        assert_eq!(lib.integrity_check().expect("integrity_check"), "ok", "round {round}");
        let article = lib.get(id).expect("the article");
        let k = version_of(&article.fields.body)
            .unwrap_or_else(|| panic!("round {round}: the body is not one whole version"));
        // The last acknowledged save, or the one in flight when the kill came (committed, not yet acknowledged).
        assert!(k == acked || k == acked + 1, "round {round}: version {k} after acknowledging {acked}");
        assert_eq!(article.fields.title, fields(k).title, "round {round}: title and body are from one save");
        let hits: Vec<i64> = lib.search(&format!("draftmark{k}"), 5).expect("search").iter().map(|h| h.id).collect();
        assert_eq!(hits, [id], "round {round}: search finds the current version");
        assert!(
            lib.search(&format!("draftmark{}", k - 1), 5).expect("search").is_empty(),
            "round {round}: stale index"
        );
        let revisions = lib.revisions(id).expect("revisions");
        assert_eq!(
            version_of(&revisions[0].body),
            Some(k - 1),
            "round {round}: the replaced text is the newest revision"
        );
        assert!(
            revisions.iter().all(|r| version_of(&r.body).is_some()),
            "round {round}: a revision is not a whole version"
        );
        version = k;
    }
    eprintln!("{ROUNDS} kills, {version} saves");
}
