//! Light text analysis for ranking and explanations: content words, named-entity-like spans
//! (capitalised names, numbers), CJK terms, and the FTS5 query built from a whole text.
use std::collections::HashMap;

const SEP: char = '\u{200B}'; // must match byline-library's fts.rs: CJK characters are separate tokens

pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

const STOP: &[&str] = &[
    "a",
    "about",
    "above",
    "according",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "don",
    "down",
    "during",
    "each",
    "even",
    "ever",
    "every",
    "few",
    "first",
    "for",
    "from",
    "further",
    "get",
    "going",
    "good",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "him",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "know",
    "last",
    "let",
    "like",
    "make",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "out",
    "over",
    "own",
    "people",
    "really",
    "said",
    "same",
    "say",
    "says",
    "see",
    "she",
    "should",
    "so",
    "some",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "think",
    "this",
    "those",
    "though",
    "through",
    "time",
    "to",
    "told",
    "too",
    "two",
    "under",
    "until",
    "up",
    "us",
    "use",
    "used",
    "very",
    "want",
    "was",
    "way",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "without",
    "would",
    "year",
    "years",
    "yes",
    "yet",
    "you",
    "your",
];

pub(crate) fn is_stop(word: &str) -> bool {
    STOP.binary_search(&word).is_ok()
}

/// What a text is about, as counts.
#[derive(Debug, Default)]
pub struct Terms {
    /// Lower-cased content words (no stop words, at least 3 letters).
    pub words: HashMap<String, usize>,
    /// Entities keyed by lower case: (display form, count). Capitalised names, numbers, CJK terms.
    pub entities: HashMap<String, (String, usize)>,
    /// CJK character bigrams (the unit the FTS index can match as a phrase).
    pub cjk: HashMap<String, usize>,
}

/// Word-ish tokens with their byte offset: runs of letters/digits (plus inner '.' ',' in numbers).
fn tokens(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(pos, c)) in bytes.iter().enumerate() {
        let inner_num_sep = (c == '.' || c == ',')
            && start.is_some()
            && i > 0
            && bytes[i - 1].1.is_ascii_digit()
            && bytes.get(i + 1).is_some_and(|n| n.1.is_ascii_digit());
        let word = (c.is_alphanumeric() && !is_cjk(c)) || inner_num_sep;
        match (word, start) {
            (true, None) => start = Some(pos),
            (false, Some(s)) => {
                out.push((s, &text[s..pos]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

fn sentence_start(text: &str, pos: usize) -> bool {
    let before = text[..pos].trim_end_matches([' ', '"', '\'', '“', '‘', '(', '*', '#', '-', '\t']);
    before.is_empty() || before.ends_with(['.', '!', '?', '\n', ':', '。'])
}

pub fn analyse(text: &str) -> Terms {
    let mut t = Terms::default();
    let toks = tokens(text);
    let mut i = 0;
    while i < toks.len() {
        let (pos, tok) = toks[i];
        let lower = tok.to_lowercase();
        if tok.chars().any(|c| c.is_ascii_digit()) {
            let e = t.entities.entry(lower.clone()).or_insert_with(|| (tok.to_string(), 0));
            e.1 += 1;
        } else if tok.len() >= 3 && !is_stop(&lower) {
            *t.words.entry(lower.clone()).or_default() += 1;
        }
        // A name: capitalised words in a row, separated only by single spaces.
        let capital = |s: &str| s.chars().next().is_some_and(char::is_uppercase) && !is_stop(&s.to_lowercase());
        if capital(tok) {
            let mut j = i + 1;
            let mut end = pos + tok.len();
            while j < toks.len()
                && capital(toks[j].1)
                && text[end..toks[j].0].chars().all(|c| c == ' ')
                && toks[j].0 - end == 1
            {
                end = toks[j].0 + toks[j].1.len();
                j += 1;
            }
            let span = &text[pos..end];
            // A lone capitalised word that opens a sentence is usually just an ordinary word,
            // unless it is an acronym.
            let acronym = tok.chars().all(|c| c.is_uppercase() || c.is_ascii_digit());
            if (j - i > 1 || acronym || !sentence_start(text, pos)) && tok.chars().count() > 1 {
                let e = t.entities.entry(span.to_lowercase()).or_insert_with(|| (span.to_string(), 0));
                e.1 += 1;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    // CJK runs: bigrams for retrieval, and the bigrams as entities for the explanation.
    let chars: Vec<char> = text.chars().collect();
    for w in chars.windows(2) {
        if is_cjk(w[0]) && is_cjk(w[1]) {
            let bigram: String = w.iter().collect();
            *t.cjk.entry(bigram.clone()).or_default() += 1;
        }
    }
    for (bigram, &n) in &t.cjk {
        if !bigram.chars().all(|c| matches!(c as u32, 0x3040..=0x30FF)) {
            t.entities.insert(bigram.clone(), (bigram.clone(), n));
        }
    }
    t
}

fn top<'a>(counts: impl Iterator<Item = (&'a String, usize)>, n: usize) -> Vec<&'a String> {
    let mut v: Vec<(&String, usize)> = counts.collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.len().cmp(&a.0.len())).then(a.0.cmp(b.0)));
    v.into_iter().take(n).map(|(s, _)| s).collect()
}

/// An FTS5 query for "documents like this text": its most frequent content words and CJK bigrams,
/// OR-ed, so BM25 ranks by how many of them a document shares and how rare they are.
pub fn fts_query(terms: &Terms, max_terms: usize) -> Option<String> {
    let mut parts: Vec<String> = top(terms.words.iter().map(|(k, &v)| (k, v)), max_terms)
        .into_iter()
        .map(|w| format!("\"{}\"", w.replace('"', "")))
        .collect();
    for bigram in top(terms.cjk.iter().map(|(k, &v)| (k, v)), max_terms / 2) {
        let spaced: String = bigram.chars().flat_map(|c| [c, SEP]).collect();
        parts.push(format!("\"{}\"", spaced.trim_end_matches(SEP)));
    }
    (!parts.is_empty()).then(|| parts.join(" OR "))
}

/// What two texts share: (entities, other key terms), most frequent first.
pub fn shared(a: &Terms, b: &Terms, n: usize) -> (Vec<String>, Vec<String>) {
    shared_weighted(a, b, n, &mut |_| 1.0)
}

/// [`shared`], each term's count multiplied by `weight(term)` (its rarity in the library); terms weighing
/// nothing are left out. Only the most frequent candidates are weighed.
pub fn shared_weighted(
    a: &Terms,
    b: &Terms,
    n: usize,
    weight: &mut dyn FnMut(&str) -> f64,
) -> (Vec<String>, Vec<String>) {
    // A name may open a sentence on one side (and so count only as a word there).
    let count_in = |t: &Terms, k: &str| t.entities.get(k).map(|e| e.1).or_else(|| t.words.get(k).copied());
    let mut ents: Vec<(&str, usize)> = a
        .entities
        .iter()
        .filter_map(|(k, (display, na))| count_in(b, k).map(|nb| (display.as_str(), (*na).min(nb))))
        .collect();
    for (k, (display, nb)) in &b.entities {
        if !a.entities.contains_key(k)
            && let Some(na) = a.words.get(k)
        {
            ents.push((display.as_str(), (*na).min(*nb)));
        }
    }
    ents.sort_by(|x, y| y.1.cmp(&x.1).then(y.0.len().cmp(&x.0.len())).then(x.0.cmp(y.0)));
    let ent_lower: Vec<String> = ents.iter().map(|(e, _)| e.to_lowercase()).collect();
    let mut words: Vec<(&str, usize)> = a
        .words
        .iter()
        .filter(|(w, _)| w.len() >= 4 && !ent_lower.iter().any(|e| e.split(' ').any(|p| p == w.as_str())))
        .filter_map(|(w, na)| b.words.get(w).map(|nb| (w.as_str(), (*na).min(*nb))))
        .collect();
    words.sort_by(|x, y| y.1.cmp(&x.1).then(y.0.len().cmp(&x.0.len())).then(x.0.cmp(y.0)));
    let mut weigh = |list: Vec<(&str, usize)>| -> Vec<String> {
        let mut scored: Vec<(&str, f64)> = list
            .into_iter()
            .take(4 * n)
            .map(|(t, count)| (t, count as f64 * weight(&t.to_lowercase())))
            .filter(|(_, s)| *s > 0.0)
            .collect();
        // Stable: equal scores keep the frequency order.
        scored.sort_by(|x, y| y.1.total_cmp(&x.1));
        scored.into_iter().take(n).map(|(t, _)| t.to_string()).collect()
    };
    (weigh(ents), weigh(words))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_list_is_sorted_for_binary_search() {
        assert!(STOP.windows(2).all(|w| w[0] < w[1]), "{:?}", STOP.windows(2).find(|w| w[0] >= w[1]));
    }

    #[test]
    fn names_numbers_and_cjk_terms_are_entities() {
        let t = analyse("The council met. Mayor Anna Schmidt said 3.5 million euros went to Berlin. 北京市政府");
        let ents: Vec<&str> = t.entities.values().map(|(d, _)| d.as_str()).collect();
        assert!(ents.contains(&"Mayor Anna Schmidt"), "{ents:?}");
        assert!(ents.contains(&"Berlin"));
        assert!(ents.contains(&"3.5"));
        assert!(ents.contains(&"北京"));
        assert!(!ents.contains(&"The"), "a sentence-initial stop word is not a name");
        assert_eq!(t.words.get("council"), Some(&1));
    }

    #[test]
    fn rare_terms_explain_first_and_wire_boilerplate_not_at_all() {
        let a = analyse("REUTER - The harbour barrier will cost 40 mln dlrs, engineers said on Monday, Reuter said.");
        let b = analyse(
            "Reuter - The engineers said the harbour barrier floods again; 40 mln dlrs were spent, Reuter said.",
        );
        let rarity = |t: &str| match t {
            "reuter" | "dlrs" | "mln" => 0.0,
            "engineers" => 0.2,
            _ => 3.0,
        };
        let (ents, words) = shared_weighted(&a, &b, 8, &mut |t| rarity(t));
        let boilerplate = ["reuter", "dlrs", "mln"];
        assert!(
            !ents.iter().chain(&words).any(|t| boilerplate.contains(&t.to_lowercase().as_str())),
            "{ents:?} {words:?}"
        );
        let at = |w: &str| words.iter().position(|x| x == w);
        assert!(at("harbour").is_some() && at("harbour") < at("engineers"), "{words:?}");
        assert!(ents.contains(&"40".to_string()), "{ents:?}");
    }

    #[test]
    fn shared_terms_and_the_fts_query() {
        let a = analyse("Mayor Anna Schmidt cut the transit budget by 12 percent in Berlin.");
        let b = analyse("In Berlin, Mayor Anna Schmidt defended the transit budget; 12 stations close.");
        let (ents, words) = shared(&a, &b, 5);
        assert!(ents.contains(&"Mayor Anna Schmidt".to_string()), "{ents:?}");
        assert!(ents.contains(&"12".to_string()));
        assert!(words.contains(&"transit".to_string()) && words.contains(&"budget".to_string()), "{words:?}");
        let q = fts_query(&analyse("北京 budget budget"), 4).expect("query");
        assert!(q.starts_with("\"budget\""), "{q}");
        assert!(q.contains("\"北\u{200B}京\""), "{q}");
        assert_eq!(fts_query(&analyse("the of and"), 4), None);
    }
}
