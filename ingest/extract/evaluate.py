"""Score predicted thread findings against gold lines (shared/gold/README.md matching rules, with
fixes and objections counted as the judge, ../shared/gold/evaluate.py, counts them).

    scores = evaluate(predicted_lines, gold_lines)   # lines: dicts or JSON strings
"""

from __future__ import annotations

import json
import re

MAX_QUOTE_WORDS = 80
ANCHOR = 0.5


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip().lower()


def overlap(a: str, b: str) -> float:
    """|tokens(a) & tokens(b)| / min(|tokens|); containment of normalised strings = 1.0."""
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return 0.0
    if na in nb or nb in na:
        return 1.0
    ta, tb = set(na.split()), set(nb.split())
    return len(ta & tb) / min(len(ta), len(tb))


def anchor_score(pred_mid: str, pred_quote: str, gold_mid: str, gold_quote: str) -> float:
    """Overlap when the pair anchors (same message, overlap >= 0.5, pred <= 80 words), else 0."""
    if pred_mid != gold_mid or len((pred_quote or "").split()) > MAX_QUOTE_WORDS:
        return 0.0
    score = overlap(pred_quote, gold_quote)
    return score if score >= ANCHOR else 0.0


def _load(lines) -> list[dict]:
    out = []
    for line in lines:
        if isinstance(line, dict):
            out.append(line)
        elif line and line.strip():
            out.append(json.loads(line))
    return out


def compute_prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp": tp, "pred": n_pred, "gold": n_gold, "precision": round(p, 4),
            "recall": round(r, 4), "f1": round(f, 4)}


def match_greedy(scores: dict[tuple[int, int], float]) -> dict[int, int]:
    """One-to-one pred->gold matching, greedy by descending score."""
    used_p, used_g, out = set(), set(), {}
    for (p, g), s in sorted(scores.items(), key=lambda kv: -kv[1]):
        if s > 0 and p not in used_p and g not in used_g:
            out[p] = g
            used_p.add(p)
            used_g.add(g)
    return out


def _idents(values) -> set[str]:
    out = set()
    for v in values or ():
        out.update(t.lower() for t in re.findall(r"[A-Za-z_][A-Za-z0-9_]{3,}", v))
    return out


def match_races(pred: list[dict], gold: list[dict], fallback: bool = True) -> dict[int, int]:
    scores: dict[tuple[int, int], float] = {}
    for i, pr in enumerate(pred):
        for j, gr in enumerate(gold):
            best = max((anchor_score(pe["message_id"], pe["quote"], ge["message_id"], ge["quote"])
                        for pe in pr.get("evidence", ()) for ge in gr.get("evidence", ())),
                       default=0.0)
            if not best and fallback:
                shared_sym = _idents(pr.get("symbols")) & _idents(gr.get("symbols"))
                shared_par = _idents(pr.get("participants")) & _idents(gr.get("participants"))
                if shared_sym and shared_par:
                    best = 0.01   # symbol + participant fallback, lowest priority
            if best:
                scores[(i, j)] = best
    return match_greedy(scores)


def match_quotes(pred: list[dict], gold: list[dict]) -> dict[int, int]:
    scores = {}
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            s = anchor_score(p["message_id"], p.get("quote", ""), g["message_id"], g["quote"])
            if s:
                scores[(i, j)] = s
    return match_greedy(scores)


def _person_key(p: dict, use_email: bool) -> str:
    email = (p.get("email") or "").lower()
    if use_email and email and "xxxx" not in email:
        return "e:" + email
    return "n:" + normalise(re.sub(r"[\"'()]", " ", p.get("name") or ""))


def match_people(pred: list[dict], gold: list[dict]) -> dict[int, int]:
    out: dict[int, int] = {}
    used = set()
    for i, pp in enumerate(pred):
        for j, gp in enumerate(gold):
            if j in used:
                continue
            both_email = bool(pp.get("email")) and bool(gp.get("email"))
            if _person_key(pp, both_email) == _person_key(gp, both_email):
                out[i] = j
                used.add(j)
                break
    return out


def _pair_threads(pred: list[dict], gold: list[dict]) -> list[tuple[dict | None, dict]]:
    pairs = []
    for g in gold:
        match = None
        for p in pred:
            ids = set(p.get("message_ids") or ()) | {p.get("thread_id")}
            if g["thread_id"] in ids:
                match = p
                break
        pairs.append((match, g))
    return pairs


def evaluate(predicted_lines, gold_lines) -> dict:
    """Precision/recall/F1 per item type, link accuracies and people-role scores."""
    pred, gold = _load(predicted_lines), _load(gold_lines)
    c = {k: [0, 0, 0] for k in ("threads", "races", "fixes", "objections", "roles")}
    fix_link = [0, 0]
    obj_link = [0, 0]
    reason = [0, 0]
    other_objector = [0, 0]
    maint = [0, 0]
    per_thread = []
    for p, g in _pair_threads(pred, gold):
        p = p or {"races": [], "fixes": [], "objections": [], "people": [],
                  "is_race_discussion": False}
        pl, gl = bool(p.get("is_race_discussion")), bool(g["is_race_discussion"])
        c["threads"][0] += pl and gl
        c["threads"][1] += pl
        c["threads"][2] += gl
        races = match_races(p.get("races", []), g["races"])
        # fixes anchor on message and quote, as in the judge (../shared/gold/evaluate.py), which
        # has no patch fallback: a patch fix in the right message quoting another sentence misses
        fixes = match_quotes(p.get("fixes", []), g["fixes"])
        objs = match_quotes(p.get("objections", []), g["objections"])
        for key, m, pl_, gl_ in (("races", races, p.get("races", []), g["races"]),
                                 ("fixes", fixes, p.get("fixes", []), g["fixes"]),
                                 ("objections", objs, p.get("objections", []), g["objections"])):
            c[key][0] += len(m)
            c[key][1] += len(pl_)
            c[key][2] += len(gl_)
        for i, j in fixes.items():
            fix_link[1] += 1
            fix_link[0] += races.get(p["fixes"][i].get("race")) == g["fixes"][j].get("race")
        for i, j in objs.items():
            obj_link[1] += 1
            obj_link[0] += fixes.get(p["objections"][i].get("against_fix")) == \
                g["objections"][j].get("against_fix")
            reason[1] += 1
            reason[0] += p["objections"][i].get("reason") == g["objections"][j].get("reason")
        matched_objs = set(objs.values())
        for j, go in enumerate(g["objections"]):
            k = go.get("against_fix")
            author = g["fixes"][k]["proposed_by"] if k is not None and k < len(g["fixes"]) else ""
            if normalise(author).split("<")[0].strip() != normalise(go["by"]).split("<")[0].strip():
                other_objector[1] += 1
                other_objector[0] += j in matched_objs
        people = match_people(p.get("people", []), g["people"])
        inverse = {j: i for i, j in people.items()}
        for j, gp in enumerate(g["people"]):
            groles = set(gp.get("roles", ()))
            proles = set(p["people"][inverse[j]].get("roles", ())) if j in inverse else set()
            c["roles"][0] += len(groles & proles)
            c["roles"][2] += len(groles)
            maint[1] += 1
            maint[0] += ("maintainer" in groles) == ("maintainer" in proles)
        for i, pp in enumerate(p.get("people", [])):
            c["roles"][1] += len(set(pp.get("roles", ())))
        per_thread.append({"thread_id": g["thread_id"], "gold": gl, "pred": pl,
                           "races": f"{len(races)}/{len(g['races'])}/{len(p.get('races', []))}",
                           "fixes": f"{len(fixes)}/{len(g['fixes'])}/{len(p.get('fixes', []))}",
                           "objections": f"{len(objs)}/{len(g['objections'])}/"
                                         f"{len(p.get('objections', []))}"})
    out = {k: compute_prf(*v) for k, v in c.items()}
    out["fix_race_link_accuracy"] = round(fix_link[0] / fix_link[1], 4) if fix_link[1] else None
    out["objection_fix_link_accuracy"] = round(obj_link[0] / obj_link[1], 4) if obj_link[1] else None
    out["objection_reason_accuracy"] = round(reason[0] / reason[1], 4) if reason[1] else None
    out["objection_recall_other_objector"] = (round(other_objector[0] / other_objector[1], 4)
                                              if other_objector[1] else None)
    out["maintainer_role_accuracy"] = round(maint[0] / maint[1], 4) if maint[1] else None
    out["seed_messages"] = evaluate_seed_messages(pred, gold)
    out["per_thread"] = per_thread
    return out


def evaluate_seed_messages(pred: list[dict], gold: list[dict]) -> dict:
    """Seed pages: recovered messages (quote_depth, author, first_words prefix) and page_author."""
    tp = n_pred = n_gold = 0
    authors = [0, 0]
    for p, g in _pair_threads(pred, gold):
        if "messages" not in g:
            continue
        gms = g["messages"]
        pms = (p or {}).get("messages") or []
        n_gold += len(gms)
        n_pred += len(pms)
        used = set()
        for pm in pms:
            for j, gm in enumerate(gms):
                if j in used or pm.get("quote_depth") != gm.get("quote_depth"):
                    continue
                same_author = normalise(pm.get("author", "")) == normalise(gm.get("author", ""))
                pw = normalise(pm.get("first_words", "")).split()[:4]
                gw = normalise(gm.get("first_words", "")).split()[:4]
                if same_author or (pw and pw == gw):
                    used.add(j)
                    tp += 1
                    break
        authors[1] += 1
        authors[0] += normalise((p or {}).get("page_author", "")) == normalise(g.get("page_author"))
    out = compute_prf(tp, n_pred, n_gold)
    out["page_author_accuracy"] = round(authors[0] / authors[1], 4) if authors[1] else None
    return out
