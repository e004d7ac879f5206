"""Generates the VADER parity corpus and its expected scores from the Python reference.

Run with the vaderSentiment 3.3.2 package on the path (the test-model cache holds it):

    PYTHONPATH=models/cache/packages/vaderSentiment-3.3.2 \
      python3 src-tauri/crates/byline-sentiment/tests/data/make_vader_cases.py \
      > src-tauri/crates/byline-sentiment/tests/data/vader_cases.tsv

Sentences are built deterministically from parts that exercise each rule of VADER: negation (including
"never so", "n't", "without"), boosters and dampeners, ALL-CAPS emphasis in mixed-case text, "but" clauses,
"least", "kind of", punctuation emphasis (! and ?), emoticons and emoji, idioms, and plain news prose.
"""
import itertools
import random
import sys

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

random.seed(20261129)

subjects = ["The plan", "The new mayor", "This film", "The service", "Her speech", "The council's budget",
            "The match", "Our reporter's story", "The hospital", "The policy"]
adjectives = ["good", "great", "excellent", "bad", "terrible", "horrible", "fine", "boring", "brilliant",
              "disappointing", "fair", "awful", "amazing", "dull", "helpful", "useless"]
modifiers = ["", "very ", "extremely ", "slightly ", "kind of ", "somewhat ", "really ", "not ", "not very ",
             "never so ", "barely ", "incredibly ", "hardly ", "isn't really "]
endings = [".", "!", "!!", "!!!", "?", "??", "?!", " :)", " :(", " 😀", " 😡", " lol", " :D", " 💔", " 👍"]
buts = ["but the staff were friendly", "but nobody cares", "but the ending was awful",
        "but it works", "but I still love it", "but the price is a disaster"]
caps_words = ["GREAT", "TERRIBLE", "AMAZING", "AWFUL", "GOOD", "BAD"]
news = [
    "Police said the suspect was arrested without incident.",
    "Residents welcomed the decision, calling it a long overdue victory.",
    "The company denied wrongdoing and said it would fight the charges.",
    "Floods destroyed hundreds of homes and killed at least twelve people.",
    "The minister praised the volunteers for their courage and kindness.",
    "Critics warned the reform would hurt the poorest families.",
    "Shares rose sharply after strong results beat expectations.",
    "The hospital faces a severe shortage of nurses and doctors.",
    "The festival was a huge success, with record crowds enjoying the sunshine.",
    "Talks collapsed amid bitter accusations on both sides.",
    "No one was injured in the fire.",
    "The report found no evidence of fraud.",
    "At least it isn't a total failure.",
    "Without a doubt, the best result in years.",
    "The kids are the bomb, the show was a cut above the rest.",
    "It's not bad at all, honestly.",
]

cases = []
for s, m, a, e in itertools.product(subjects, modifiers, adjectives, endings):
    cases.append(f"{s} was {m}{a}{e}")
random.shuffle(cases)
cases = cases[:700]
for s, a, b in itertools.product(subjects[:6], adjectives, buts):
    cases.append(f"{s} was {a}, {b}.")
random.shuffle(cases)
cases = cases[:900]
for s, c, e in itertools.product(subjects, caps_words, ["!", ".", "!!!"]):
    cases.append(f"{s} is {c} and everyone knows it{e}")
cases.extend(news)
for n in news:
    cases.append(n.upper())
    cases.append(n.replace(".", "!!!"))

# Unique, in a stable order.
seen = set()
unique = []
for c in cases:
    if c not in seen:
        seen.add(c)
        unique.append(c)

analyzer = SentimentIntensityAnalyzer()
for sentence in unique:
    scores = analyzer.polarity_scores(sentence)
    sys.stdout.write(f"{sentence}\t{scores['compound']}\t{scores['pos']}\t{scores['neu']}\t{scores['neg']}\n")
