//! Examples under every subcommand's `--help`, kept in one table and attached to the command tree at
//! start-up. A test walks the tree: every subcommand has examples, and every example line parses as the
//! command line it shows, so the examples cannot drift from the options.

use clap::Command;

/// (subcommand path, example lines): `#` starts a note on the line above it.
const EXAMPLES: &[(&str, &str)] = &[
    ("library", "byline library import ~/stories\nbyline library search flood\nbyline library show 12"),
    (
        "library import",
        "byline library import ~/stories\nbyline library import wire.jsonl export.xml notes.md\n\
         byline library import ~/archive --json",
    ),
    ("library list", "byline library list\nbyline library list --limit 100 --offset 50\nbyline library list --json"),
    (
        "library search",
        "byline library search flood\nbyline library search \"river flood defences\"\nbyline library search 住房\n\
         byline library search flood --limit 5 --json",
    ),
    ("library show", "byline library show 12\nbyline library show 12 --json"),
    (
        "library edit",
        "byline library edit 12 --title \"Council approves flood plan\"\nbyline library edit 12 --body-file draft.md\n\
         # the new body from standard input:\nbyline library edit 12 --body-file -",
    ),
    (
        "library export",
        "byline library export 12\nbyline library export 12 --format html --out story.html\n\
         byline library export 12 --out story.md --force",
    ),
    ("library revisions", "byline library revisions 12\nbyline library revisions 12 --json"),
    ("library restore", "byline library restore 12 40"),
    ("models", "byline models list\nbyline models pull qwen2.5-1.5b-instruct-q4_k_m\nbyline models info whisper-base"),
    ("models list", "byline models list\nbyline models list --json"),
    (
        "models recommend",
        "byline models recommend\n# for a reporter who works in Chinese, and download them:\n\
         byline models recommend --chinese --pull\nbyline models recommend --json",
    ),
    ("models pull", "byline models pull qwen2.5-1.5b-instruct-q4_k_m\nbyline models pull whisper-base"),
    (
        "models import",
        "byline models import ~/models/Qwen2.5-3B-Instruct-Q4_K_M.gguf\n\
         # a faster-whisper (CTranslate2) folder:\nbyline models import ~/models/faster-whisper-small",
    ),
    ("models hf", "byline models hf\nbyline models hf --register\nbyline models hf --hub /data/hf/hub"),
    ("models verify", "byline models verify\nbyline models verify whisper-base"),
    ("models rm", "byline models rm whisper-base"),
    ("models path", "byline models path all-minilm-l6-v2"),
    (
        "models convert-whisper",
        "byline models convert-whisper whisper-tiny.en-ct2\nbyline models convert-whisper whisper-base --out base.bin",
    ),
    ("models info", "byline models info qwen2.5-1.5b-instruct-q4_k_m\nbyline models info whisper-base --json"),
    ("device", "byline device\nbyline device --device cuda:0\nbyline device --threads 4 --json"),
    ("bench", "byline bench generate --tokens 64\nbyline bench library --workdir /tmp/bench --articles 10000"),
    ("bench library", "byline bench library --workdir /tmp/bench --articles 10000 --queries 200"),
    (
        "bench embed",
        "byline bench embed --passages 128 --words 120\nbyline bench embed --texts-out passages.txt --json",
    ),
    ("bench related", "byline bench related --sizes 1000,10000 --queries 100"),
    ("bench sentiment", "byline bench sentiment --file sentences.txt --repeats 3"),
    ("bench speech", "byline bench speech --file article.md"),
    (
        "bench generate",
        "byline bench generate --tokens 64 --runs 3\nbyline bench generate --model-path model.gguf --prompt-file prompt.txt --json",
    ),
    ("bench quotes", "byline bench quotes --workdir /tmp/quotes --hours 20 --quotes 50"),
    (
        "bench random-model",
        "byline bench random-model --shape qwen2.5-1.5b-q4_k_m --tokenizer-from smollm2.gguf --out random.gguf",
    ),
    (
        "transcribe",
        "byline transcribe interview.m4a\nbyline transcribe interview.m4a --format srt,docx --out ~/transcripts\n\
         byline transcribe *.wav --speakers auto\nbyline transcribe hearing.mp4 --range 1:30-12:00 --model whisper-base\n\
         byline transcribe 采访.m4a --lang zh --model whisper-small\n\
         # print one format to standard output:\nbyline transcribe interview.m4a --format txt --out -",
    ),
    ("transcripts", "byline transcripts list\nbyline transcripts export 3 --format docx --out interview.docx"),
    ("transcripts list", "byline transcripts list\nbyline transcripts list --json"),
    ("transcripts show", "byline transcripts show 3\nbyline transcripts show 3 --raw --json"),
    (
        "transcripts export",
        "byline transcripts export 3\nbyline transcripts export 3 --format docx --out interview.docx\n\
         byline transcripts export 3 --format txt --no-timestamps --raw",
    ),
    (
        "transcripts speakers",
        "byline transcripts speakers 3\nbyline transcripts speakers 3 --rename 1=\"Mayor Chen\" --rename 2=Reporter",
    ),
    ("transcripts voices", "byline transcripts voices\nbyline transcripts voices --delete \"Mayor Chen\""),
    (
        "transcripts vocabulary",
        "byline transcripts vocabulary\nbyline transcripts vocabulary --set \"Nnamdi Okonjo,Pudong,浦东\"",
    ),
    (
        "record",
        "byline record take.wav\nbyline record take.wav --transcribe --live\nbyline record take.wav --seconds 60\n\
         byline record --list-devices take.wav\nbyline record take.wav --device \"USB Audio\" --transcribe --speakers 2",
    ),
    (
        "quotes",
        "byline quotes check --article 12\nbyline quotes search \"we will not raise taxes\"\nbyline quotes link --article 12 --transcript 3\nbyline quotes check --article 12 --sources",
    ),
    (
        "quotes check",
        "byline quotes check --article 12\nbyline quotes check --text draft.md --json\nbyline quotes check --article 12 --sources",
    ),
    ("quotes sources", "byline quotes sources --article 12\nbyline quotes sources --article 12 --json"),
    ("quotes link", "byline quotes link --article 12 --transcript 3"),
    ("quotes unlink", "byline quotes unlink --article 12 --transcript 3"),
    (
        "quotes search",
        "byline quotes search \"we will not raise taxes\"\nbyline quotes search \"flood barrier\" --speaker chen --exact\n\
         byline quotes search budget --from 2026-11-01 --to 2026-11-30 --json",
    ),
    (
        "sentiment",
        "byline sentiment --article 12\nbyline sentiment --text draft.md --engine lexicon\n\
         byline sentiment --comments comments.csv --bucket day\nbyline sentiment --transcript 3 --json",
    ),
    (
        "image",
        "byline image --prompt \"a flooded high street at dawn, photograph\" --out flood.png\n\
         byline image --prompt \"the same street, dry\" --init flood.png --strength 0.6 --out dry.png --article 12",
    ),
    ("index", "byline index\nbyline index --model paraphrase-multilingual-minilm-l12-v2 --json"),
    (
        "related",
        "byline related 12\nbyline related 12 --explain -k 5\nbyline related --text draft.md\n\
         byline related 12 --feedback pin 40\nbyline related --usage\nbyline related --forget-usage",
    ),
    (
        "speak",
        "byline speak --article 12\nbyline speak --article 12 --out story.ogg --attach\n\
         byline speak --text draft.md --rate 160 --voice en-gb\nbyline speak --list-voices",
    ),
    (
        "generate",
        "byline generate --task headline --article 12\nbyline generate --task summary --article 12 --source 7 --source 9\n\
         byline generate --task translate --article 12 --language zh\n\
         byline generate --prompt \"Three questions for the mayor about the flood plan\" --max-tokens 200",
    ),
    (
        "chat",
        "byline chat --prompt \"Explain a tax increment financing district in two sentences\"\n\
         byline chat --model qwen2.5-1.5b-instruct-q4_k_m --temperature 0",
    ),
    ("tasks", "byline tasks list\nbyline tasks show headline > headline.json"),
    ("tasks list", "byline tasks list\nbyline tasks list --language zh --json"),
    ("tasks show", "byline tasks show headline > headline.json\nbyline tasks show summary --language zh"),
    ("tasks set", "byline tasks set headline.json"),
    ("tasks reset", "byline tasks reset headline\nbyline tasks reset summary --language zh"),
    ("eval", "byline eval related --dataset labelled.jsonl"),
    (
        "eval related",
        "byline eval related --dataset labelled.jsonl -k 10 --json\nbyline eval related --dataset labelled.jsonl --use",
    ),
];

fn lookup(path: &str) -> Option<&'static str> {
    EXAMPLES.iter().find(|(p, _)| *p == path).map(|(_, e)| *e)
}

/// `cmd` with every subcommand's examples under its `--help`.
pub fn attach(cmd: Command) -> Command {
    attach_below(cmd, "")
}

fn attach_below(mut cmd: Command, path: &str) -> Command {
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in names {
        let sub_path = if path.is_empty() { name.clone() } else { format!("{path} {name}") };
        cmd = cmd.mut_subcommand(&name, |sub| {
            let sub = attach_below(sub, &sub_path);
            match lookup(&sub_path) {
                Some(lines) => {
                    let shown: Vec<String> = lines.lines().map(|l| format!("  {l}")).collect();
                    sub.after_help(format!("Examples:\n{}", shown.join("\n")))
                }
                None => sub,
            }
        });
    }
    cmd
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// Splits a shell line into words: whitespace separates, double quotes group, `>` ends the command.
    fn words(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let (mut word, mut quoted, mut any) = (String::new(), false, false);
        for c in line.chars() {
            match c {
                '"' => (quoted, any) = (!quoted, true),
                '>' if !quoted => break,
                c if c.is_whitespace() && !quoted => {
                    if any {
                        out.push(std::mem::take(&mut word));
                    }
                    any = false;
                }
                c => (word, any) = (word + &c.to_string(), true),
            }
        }
        if any {
            out.push(word);
        }
        out
    }

    fn paths(cmd: &Command, path: &str, out: &mut Vec<String>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let p = if path.is_empty() { sub.get_name().to_string() } else { format!("{path} {}", sub.get_name()) };
            paths(sub, &p, out);
            out.push(p);
        }
    }

    #[test]
    fn every_subcommand_has_examples_and_every_example_parses() {
        let cmd = attach(crate::Cli::command());
        let mut all = Vec::new();
        paths(&cmd, "", &mut all);
        for path in &all {
            let lines = lookup(path).unwrap_or_else(|| panic!("`byline {path}` has no examples"));
            let examples: Vec<&str> = lines.lines().filter(|l| !l.starts_with('#')).collect();
            assert!(!examples.is_empty(), "`byline {path}`: only notes");
            for line in examples {
                assert!(line.starts_with(&format!("byline {path}")), "`{line}` is not an example of `byline {path}`");
                if let Err(e) = cmd.clone().try_get_matches_from(words(line)) {
                    panic!("`{line}` does not parse: {e}");
                }
            }
        }
        for (path, _) in EXAMPLES {
            assert!(all.iter().any(|p| p == path), "examples for `byline {path}`, which does not exist");
        }
        let help = cmd.find_subcommand("library").and_then(|l| l.find_subcommand("search")).expect("search");
        assert!(help.get_after_help().is_some_and(|h| h.to_string().contains("byline library search 住房")));
    }

    #[test]
    fn lines_split_like_a_shell() {
        assert_eq!(words("byline a \"b c\" d > out"), ["byline", "a", "b c", "d"]);
        assert_eq!(words("byline x --rename 1=\"Mayor Chen\""), ["byline", "x", "--rename", "1=Mayor Chen"]);
        assert_eq!(words("byline --delete \"\""), ["byline", "--delete", ""]);
    }
}
