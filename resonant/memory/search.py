"""Finding a user's memories by their words, inside the database.

SQLite: the FTS5 table `memories_fts` (BM25, Porter stemming), searched with the owner's
token ANDed in, so the index itself never leaves the user. PostgreSQL: the GIN index on
the stored English tsvector (ranked with ts_rank, each word weighted by its BM25 idf,
PostgreSQL having no BM25; a memory's own words weigh A, the turn it answered B). Other
databases have no lexical search, and recall falls back to meaning alone.

Only the question's content words are searched for, ORed: a memory that shares the rare
words of a question ranks first whichever other words it lacks. Ranking costs time in
proportion to the memories that match, so in a large store the commonest words of a
question are left out, rarest first kept, until the user's memories that hold them
(estimated from counts over the whole store) would pass `MATCH_BUDGET`: a word in one
memory of ten adds little to a ranking that rarer words decide, and a store of 100k
memories would otherwise rank tens of thousands of rows a query. Below the budget (every
store of a few thousand memories) every content word is searched.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from importlib.resources import files

from sqlalchemy import text
from sqlalchemy.orm import Session

# Function words that every memory shares: searching for them only adds noise.
STOPWORDS = frozenset(
    line.strip()
    for line in (files("resonant.text") / "stopwords.txt").read_text("utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)
MAX_TERMS = 32
# A user's memories that one search may rank, at most, before common words are dropped
# (what that costs per search: benchmarks/results/recall_scale.md).
MATCH_BUDGET = 6_000
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def query_terms(query: str) -> list[str]:
    """The distinct content words of `query`, lowercased, in order (at most MAX_TERMS)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(query.lower()):
        if word not in STOPWORDS and len(seen) < MAX_TERMS:
            seen.setdefault(word.replace("'", ""), None)
    return list(seen)


def owner_token(user_id: str) -> str:
    """The FTS5 owner column's value for a user (what SQLite's `'u' || hex(id)` gives)."""
    return "u" + user_id.encode("utf-8").hex().upper()


class WordCounts:
    """How many memories each word occurs in (over all users, counted by the full-text
    index itself, so stemming matches), how many memories the store and each user hold;
    each count kept for `ttl_s`. They only decide which common words to skip and weigh
    words on PostgreSQL, and they move slowly."""

    def __init__(self, ttl_s: float = 600.0, max_entries: int = 100_000):
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def _cached(self, key: tuple[str, str], count: Callable[[], int]) -> int:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or now - entry[0] >= self.ttl_s:
            entry = (now, count())
            with self._lock:
                self._entries[key] = entry
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return entry[1]

    def of(self, session: Session, words: list[str]) -> dict[str, int]:
        """Memories of all users that hold each word."""
        return {
            word: self._cached(("word", word), partial(_count, session, word)) for word in words
        }

    def documents(self, session: Session) -> int:
        """Memories in the store."""
        statement = text("SELECT count(*) FROM memories")
        return self._cached(("all", ""), lambda: int(session.execute(statement).scalar_one()))

    def held_by(self, session: Session, user_id: str) -> int:
        """Memories of one user."""
        statement = text("SELECT count(*) FROM memories WHERE user_id = :user")
        return self._cached(
            ("user", user_id),
            lambda: int(session.execute(statement, {"user": user_id}).scalar_one()),
        )


def _count(session: Session, word: str) -> int:
    if session.get_bind().dialect.name == "sqlite":
        statement = "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH :match"
        return int(
            session.execute(text(statement), {"match": f'{{body context}}:"{word}"'}).scalar_one()
        )
    statement = "SELECT count(*) FROM memories WHERE search_vector @@ to_tsquery('english', :word)"
    return int(session.execute(text(statement), {"word": f"'{word}'"}).scalar_one())


def affordable_terms(terms: list[str], counts: dict[str, float], budget: int) -> list[str]:
    """`terms` (in their order) without the commonest ones whose matches would pass
    `budget`; the rarest term is always kept."""
    if sum(counts[term] for term in terms) <= budget:
        return terms
    kept: set[str] = set()
    spent = 0.0
    for term in sorted(terms, key=lambda t: counts[t]):
        if kept and spent + counts[term] > budget:
            break
        kept.add(term)
        spent += counts[term]
    return [term for term in terms if term in kept]


def lexical_search(
    session: Session,
    user_id: str,
    query: str,
    limit: int,
    context_weight: float,
    word_counts: WordCounts | None = None,
) -> dict[int, float]:
    """The user's memories that share words with `query`: id -> relevance (higher is
    better), at most `limit` of the best. Words found in the turn a memory answered count
    `context_weight` as much as its own. With `word_counts`, the commonest words are
    skipped in a large store (see the module docstring)."""
    terms = query_terms(query)
    if not terms:
        return {}
    dialect = session.get_bind().dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return {}
    counts: dict[str, int] = {}
    documents = 0
    if word_counts is not None:
        counts = word_counts.of(session, terms)
        documents = word_counts.documents(session)
        # The user's share of each word's memories, assuming words spread evenly over
        # users: a small user's search is cheap however common its words are elsewhere.
        share = word_counts.held_by(session, user_id) / max(1, documents)
        estimated = {word: count * share for word, count in counts.items()}
        terms = affordable_terms(terms, estimated, MATCH_BUDGET)
    if dialect == "sqlite":
        words = " OR ".join(f'"{term}"' for term in terms)
        match = f'owner:"{owner_token(user_id)}" AND {{body context}}:({words})'
        rows = session.execute(
            text(
                "SELECT rowid, bm25(memories_fts, 0.0, 1.0, :context) AS rank FROM memories_fts "
                "WHERE memories_fts MATCH :match ORDER BY rank LIMIT :limit"
            ),
            {"match": match, "limit": limit, "context": context_weight},
        )
        # FTS5's bm25() is negated so that ascending order is best first.
        return {int(row[0]): -float(row[1]) for row in rows}
    # PostgreSQL's ts_rank knows no inverse document frequency: each word's rank is
    # weighted by its BM25 idf here, so that a rare word outweighs a common one as in
    # FTS5 (measured in evals/REPORT.md, long-term memory).
    ranks = " + ".join(
        f"ts_rank(CAST(:weights AS real[]), search_vector, to_tsquery('english', :t{i})) * :idf{i}"
        for i in range(len(terms))
    )
    values: dict[str, object] = {
        "query": " | ".join(f"'{term}'" for term in terms),
        "user": user_id,
        "limit": limit,
        # Weights of the D, C, B (context) and A (own words) labels.
        "weights": [0.0, 0.0, context_weight, 1.0],
    }
    for i, term in enumerate(terms):
        # Each term quoted as a phrase: no word can inject tsquery operators.
        values[f"t{i}"] = f"'{term}'"
        values[f"idf{i}"] = bm25_idf(counts.get(term, 0), documents) if counts else 1.0
    rows = session.execute(
        text(
            f"SELECT id, {ranks} AS rank FROM memories "
            "WHERE user_id = :user AND search_vector @@ to_tsquery('english', :query) "
            "ORDER BY rank DESC, id DESC LIMIT :limit"
        ),
        values,
    )
    return {int(row[0]): float(row[1]) for row in rows}


def bm25_idf(matches: int, documents: int) -> float:
    """BM25's inverse document frequency (the Lucene form, never negative)."""
    return math.log(1.0 + (documents - matches + 0.5) / (matches + 0.5))
