//! Building the related-articles index (`byline index`), killed a hundred times: after every kill each
//! article's vectors are all there and all of one text (its stored hash is the article's, the article
//! vector is the mean of its passages) or absent, never half written; the run after a kill picks up where
//! the last stopped; and the finished index equals one built without interruption. Real embedding model
//! (all-MiniLM-L6-v2 from the test models).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use byline_library::{ArticleFields, Library};
use byline_related::article_text;
use byline_related::store::text_hash;
use rand::Rng;

use super::{ROUNDS, Worker, jitter, rng};

const ARTICLES: usize = 250;
const MODEL: &str = "all-minilm-l6-v2";

/// A varied local-news archive, one article in seven in Chinese.
fn article(i: usize) -> ArticleFields {
    const TOPICS: [&str; 8] = [
        "the council budget",
        "flooding on the river",
        "school closures",
        "hospital waiting times",
        "bus fares",
        "housing permits",
        "factory emissions",
        "harbour dredging",
    ];
    const PLACES: [&str; 6] = ["Northbridge", "Eastfield", "Port Alder", "Kingsmere", "Low Fen", "Ashby"];
    if i % 7 == 3 {
        let topics = ["市议会预算", "河水泛滥", "学校关闭", "医院候诊时间"];
        let topic = topics[i % topics.len()];
        return ArticleFields {
            title: format!("关于{topic}的报道 第{i}篇"),
            body: format!(
                "记者从市政府获悉，{topic}问题本周再次引起居民关注。第{i}号文件显示，相关部门将在下月公布方案。\n\n居民表示希望尽快解决。"
            ),
            language: Some("zh".into()),
            ..Default::default()
        };
    }
    let (topic, place) = (TOPICS[i % TOPICS.len()], PLACES[(i / 8) % PLACES.len()]);
    let first = format!(
        "{place} residents packed a public meeting on Tuesday over {topic}, the {i}th this year. \
         Officials promised a report within weeks."
    );
    let second = if i.is_multiple_of(2) {
        "\"We were promised answers,\" one resident said."
    } else {
        "The mayor declined to comment."
    };
    ArticleFields {
        title: format!("{place}: {topic} ({i})"),
        body: format!("{first}\n\n{second}"),
        language: Some("en".into()),
        ..Default::default()
    }
}

/// A data folder whose models are the fetched test models (linked, not copied).
fn home_with_models(home: &Path) {
    let models = std::env::var_os("BYLINE_TEST_MODELS").map(PathBuf::from).expect("BYLINE_TEST_MODELS");
    std::fs::create_dir_all(home).expect("mkdir");
    std::os::unix::fs::symlink(models.join("home/models"), home.join("models")).expect("link the models");
}

fn index_command(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_byline"));
    cmd.arg("--home").arg(home).args(["index", "--model", MODEL, "--device", "cpu"]).stderr(Stdio::null());
    cmd
}

/// Articles whose vectors are stored, read through a separate read-only connection.
fn indexed(db: &Path) -> usize {
    let Ok(conn) = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    conn.query_row("SELECT count(*) FROM related_vectors WHERE kind = 'article'", [], |r| r.get::<_, i64>(0))
        .map(|n| n as usize)
        .unwrap_or(0)
}

/// (kind, seq) → (content hash, vector), per article.
type Rows = BTreeMap<i64, BTreeMap<(String, i64), (String, Vec<f32>)>>;

fn rows(lib: &Library) -> Rows {
    let mut stmt = lib
        .connection()
        .prepare("SELECT article_id, kind, seq, content_hash, vector FROM related_vectors WHERE model_id = ?1")
        .expect("prepare");
    let mut out = Rows::new();
    let found = stmt
        .query_map([MODEL], |r| {
            let blob: Vec<u8> = r.get(4)?;
            let vector = blob.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, vector))
        })
        .expect("query");
    for row in found {
        let (article, kind, seq, hash, vector) = row.expect("row");
        out.entry(article).or_default().insert((kind, seq), (hash, vector));
    }
    out
}

/// Every indexed article is whole and current; returns how many are indexed.
fn check(db: &Path, round: usize) -> usize {
    let lib = Library::open(db).expect("the library opens after the kill");
    assert_eq!(lib.integrity_check().expect("integrity_check"), "ok", "round {round}");
    let all = rows(&lib);
    for (&id, rows) in &all {
        let article = lib.get(id).expect("article");
        let (hash, vector) = rows
            .get(&("article".to_string(), 0))
            .unwrap_or_else(|| panic!("round {round}: article {id} has passage vectors without its article row"));
        assert_eq!(*hash, text_hash(&article_text(&article.fields.title, &article.fields.body)), "round {round}: {id}");
        let passages: Vec<&Vec<f32>> = rows.iter().filter(|((k, _), _)| k == "passage").map(|(_, (_, v))| v).collect();
        let seqs: Vec<i64> = rows.keys().filter(|(k, _)| k == "passage").map(|(_, s)| *s).collect();
        assert_eq!(seqs, (0..seqs.len() as i64).collect::<Vec<_>>(), "round {round}: article {id}'s passages");
        if passages.is_empty() {
            assert!(vector.is_empty(), "round {round}: article {id} has a vector but no passages");
            continue;
        }
        let mut mean = vec![0f32; passages[0].len()];
        for p in &passages {
            mean.iter_mut().zip(p.iter()).for_each(|(m, x)| *m += x);
        }
        let norm = mean.iter().map(|x| x * x).sum::<f32>().sqrt();
        let close = mean.iter().zip(vector).all(|(m, v)| (m / norm - v).abs() < 1e-5);
        assert!(vector.len() == mean.len() && close, "round {round}: article {id}'s vector is not its passages' mean");
    }
    all.len()
}

#[test]
fn a_hundred_kills_while_indexing_leave_whole_articles_and_the_same_index() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (home, clean_home) = (dir.path().join("home"), dir.path().join("clean"));
    home_with_models(&home);
    home_with_models(&clean_home);
    let db = home.join("library.sqlite3");
    {
        let mut lib = Library::open(&db).expect("open");
        for i in 0..ARTICLES {
            lib.create(&article(i)).expect("create");
        }
    }
    std::fs::copy(&db, clean_home.join("library.sqlite3")).expect("copy the library");

    let mut rng = rng("index");
    let mut done = 0;
    for round in 0..ROUNDS {
        // One or two more articles each round: a hundred rounds stay short of the whole archive.
        let target = done + rng.random_range(1..=2);
        let mut worker = Worker::spawn(index_command(&home));
        worker.wait_until("more articles were indexed", || indexed(&db) >= target);
        worker.kill(jitter(&mut rng, 20));
        let now = check(&db, round);
        assert!(now >= target && now < ARTICLES, "round {round}: {now} articles indexed");
        done = now;
    }
    assert!(index_command(&home).stdout(Stdio::null()).status().expect("index").success());
    assert_eq!(check(&db, ROUNDS), ARTICLES);
    assert!(index_command(&clean_home).stdout(Stdio::null()).status().expect("index").success());

    let (killed, clean) = (
        rows(&Library::open(&db).expect("open")),
        rows(&Library::open(&clean_home.join("library.sqlite3")).expect("open")),
    );
    assert_eq!(killed.len(), clean.len());
    for (id, want) in &clean {
        let got = &killed[id];
        assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "article {id}'s rows");
        for (key, (hash, vector)) in want {
            let (got_hash, got_vector) = &got[key];
            assert_eq!(got_hash, hash, "article {id} {key:?}");
            let close =
                got_vector.len() == vector.len() && got_vector.iter().zip(vector).all(|(a, b)| (a - b).abs() < 1e-5);
            assert!(close, "article {id} {key:?}: the vector differs from an uninterrupted index");
        }
    }
}
