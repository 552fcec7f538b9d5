"""Measure the duplicate rule on pairs built from a CSV of real appeals (columns text, topic5).

Positive pairs: an appeal and a re-post of it as people re-post (words dropped, typos, a prefix
such as "Повторно пишу", a different case). Negative pairs: two different appeals of the same
topic (and, when the CSV has it, the same fine topic ``tematika``) — the hard case of neighbours
writing about similar things. Prints one JSON object: precision, recall, pairs, threshold.
"""

import csv as csvlib
import json
import random
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from appeals.duplicates import is_duplicate

PREFIXES = ["Повторно пишу! ", "Сколько можно ждать? ", "", "Помогите, пожалуйста. ", "Дублирую: "]
SUFFIXES = ["", " Спасибо.", " Ответьте!", " Фото в комментариях."]


def repost(text: str, rng: random.Random) -> str:
    words = text.split()
    kept = [word for word in words if rng.random() > 0.1] or words
    for i, word in enumerate(kept):
        if len(word) > 4 and rng.random() < 0.05:  # a typo: two letters swapped
            j = rng.randrange(1, len(word) - 2)
            kept[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    text = " ".join(kept)
    text = text.lower() if rng.random() < 0.3 else text
    return rng.choice(PREFIXES) + text + rng.choice(SUFFIXES)


class Command(BaseCommand):
    help = "Precision and recall of the duplicate-text rule on pairs built from a CSV of appeals."

    def add_arguments(self, parser):
        parser.add_argument("--csv", required=True, help="CSV with columns text and topic5 (tematika optional).")
        parser.add_argument("--pairs", type=int, default=1000, help="Positive and negative pairs each (default 1000).")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, pairs: int, seed: int, **options):
        path = Path(options["csv"])
        if not path.exists():
            raise CommandError(f"{path} does not exist: give --csv the path of a CSV with text and topic5 columns.")
        with path.open(encoding="utf-8-sig") as handle:
            rows = [row for row in csvlib.DictReader(handle) if row.get("text", "").strip()]
        if not rows or "topic5" not in rows[0]:
            raise CommandError("The CSV needs the columns text and topic5.")
        rng = random.Random(seed)
        by_group: dict[str, list[str]] = {}
        for row in rows:
            by_group.setdefault(row.get("tematika") or row["topic5"], []).append(row["text"])
        groups = [texts for texts in by_group.values() if len(texts) > 1]
        positives = [(text, repost(text, rng)) for text in (rng.choice(rows)["text"] for _ in range(pairs))]
        negatives = []
        while len(negatives) < pairs:
            first, second = rng.sample(rng.choice(groups), 2)
            if first.strip() != second.strip():
                negatives.append((first, second))
        true_positive = sum(is_duplicate(a, b) for a, b in positives)
        false_positive = sum(is_duplicate(a, b) for a, b in negatives)
        flagged = true_positive + false_positive
        self.stdout.write(
            json.dumps(
                {
                    "pairs": {"positive": len(positives), "negative": len(negatives)},
                    "threshold": settings.GOVFEEDBACK_DUPLICATE_TEXT_SIMILARITY,
                    "precision": round(true_positive / flagged, 4) if flagged else None,
                    "recall": round(true_positive / len(positives), 4),
                },
                ensure_ascii=False,
            )
        )
