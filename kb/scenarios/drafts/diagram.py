"""Drafts from CPU/thread column diagrams: columns split by position (columns.py), each line mapped to the
language's primitives (locks, get/put, READ_ONCE/WRITE_ONCE, kfree, RCU, refcounts, list checks, bit
operations and page flags, lifetime verbs in the names of a call chain's leaves: kernel_names.py);
a line that maps to nothing is kept as a comment."""

from __future__ import annotations

import re

from kb.scenarios.drafts.columns import find_leaves, split_cells
from kb.scenarios.drafts.kernel_names import (DEFAULT_BITS, BitAccess, find_bit_access, find_lifetime,
                                              find_lock_wrapper, is_uaf_marked)
from kb.scenarios.drafts.model import DraftModel, DraftThread, Line, RaceFacts, make_ident
from kb.scenarios.drafts.text import clean_report
from kb.scenarios.primitives import find_primitive

CALL_RE = re.compile(r"^([A-Za-z_]\w*)\s*\((.*)\)\s*;?\s*$")
ASSIGN_RE = re.compile(r"^([A-Za-z_][\w]*(?:(?:->|\.)[A-Za-z_]\w*)*)\s*=\s*([^=].*?);?\s*$")
PATH_RE = re.compile(r"&?\(?\*?([A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*)\)?")
FREE_RE = re.compile(r"^(?:kfree|kvfree|vfree|\w+_free|free_\w+|\w+_destroy|destroy_\w+|\w+_release)$")
PUT_RE = re.compile(r"^(?:\w+_put|put_\w+)$")
GET_RE = re.compile(r"^(?:\w+_get|get_\w+)$")
TRYGET_RE = re.compile(r"^(?:\w+_tryget\w*|\w+_get_unless_zero|\w+_inc_not_zero)$")
LIST_READ = re.compile(r"^!?\s*(?:list_empty|hlist_unhashed|list_empty_careful)\b\s*(?:\((.*)\))?")
LIST_WRITE = re.compile(r"^(?:list_del\w*|list_add\w*|list_move\w*|hlist_del\w*|hlist_add\w*)\b\s*(?:\((.*)\))?")
BARE_LOCK = re.compile(r"^(lock|unlock|spin_lock|spin_unlock|mutex_lock|mutex_unlock)\b\s*(?:\((.*)\))?\s*;?$")
COMMENT_RE = re.compile(r"^(?:#|//|/\*|\*|\.\.\.|…|<|\[)")
BULLET_RE = re.compile(r"^(?:[-*•]\s+|\d+[.)]\s+)")
NOTE_RE = re.compile(r"\s*(?://.*|/\*.*|<-+.*|<=+.*|\[[^\]]*\]|\((?:freed|UAF|uaf|race|here|blocks?)\))\s*$")
NULL_SEEN = re.compile(r"([A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)+)\s+(?:is|==|becomes|still)\s+(?:NULL|null)\b")
CMPXCHG_RE = re.compile(r"^(?:try_)?cmpxchg\w*$")
COMPOUND_RE = re.compile(r"^([A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)+)\s*(?:[|&^+\-]|<<|>>)=\s*(.+?);?$")
CAST_RE = re.compile(r"^\(\s*(?:const\s+)?(?:struct|union|enum|unsigned|signed|void|int|long|char|bool|u\d+|s\d+)\b[^()]*\)\s*")
INNER_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(([^()]*)\)")
MENTIONED_PATH = re.compile(r"\b([A-Za-z_]\w*(?:->[A-Za-z_]\w*)+)")
FULLWIDTH = str.maketrans("，（）；：", ",();:")


class LineMapper:
    """Maps one diagram cell to kscen statements; remembers objects, locks and registers."""

    def __init__(self) -> None:
        self.objects: dict[str, str] = {}
        self.locks: set[str] = set()
        self.observed: list[tuple[DraftThread, str, str]] = []  # (thread, register, location) seen NULL
        self.nulled: set[str] = set()  # locations some line sets to NULL
        self.column = 0  # the column being mapped
        self.freed: dict[str, set[int]] = {}  # object -> columns that free or put it
        self.written: dict[str, set[int]] = {}  # shared location -> columns that write it
        self.uaf_marked = False  # a line that says "use after free" maps to a use

    def note_free(self, obj: str) -> None:
        self.freed.setdefault(obj, set()).add(self.column)

    def note_write(self, loc: str) -> None:
        self.written.setdefault(loc, set()).add(self.column)

    def find_freed_elsewhere(self) -> list[str]:
        """Objects some other column frees."""
        return sorted(obj for obj, columns in self.freed.items() if columns - {self.column})

    @staticmethod
    def take_register(thread: DraftThread) -> str:
        reg = f"r{len(thread.registers)}"
        thread.registers.append(reg)
        return reg

    def object_of(self, arg: str) -> str:
        match = PATH_RE.match(arg.strip())
        head = match.group(1).split("->")[0].split(".")[0] if match else ""
        name = make_ident(head, "obj")
        self.objects.setdefault(name, head)
        return name

    def location(self, arg: str) -> str:
        match = PATH_RE.match(arg.strip())
        path = match.group(1) if match else arg
        parts = [make_ident(part, "f") for part in re.split(r"->|\.", path) if part.strip()]
        return ".".join(parts[-3:]) or "loc"

    def find_deref(self, text: str, thread: DraftThread | None = None) -> str:
        """The first `obj->field` in a line whose obj is an object some line frees, or a pointer register
        the thread loaded from a shared location (`pos = READ_ONCE(iter->pos)` ... `pos->css`), else ""."""
        pointers = thread.pointers if thread is not None else set()
        for match in re.finditer(r"\b([A-Za-z_]\w*)->([A-Za-z_]\w*)", text):
            if match.group(1) in self.objects or match.group(1) in pointers:
                return f"{match.group(1)}->{match.group(2)}"
        return ""

    def map_deref(self, cell: str, thread: DraftThread) -> list[Line]:
        """A line that reads a freed object's field (a condition, an argument, a bare expression), or
        names a freed object as a member (`->ioc is freed`), or sees a location NULL (`q->elevator is NULL`)."""
        path = self.find_deref(cell, thread)
        if not path:
            member = next((m.group(1) for m in re.finditer(r"->\s*([A-Za-z_]\w*)\b", cell) if m.group(1) in self.objects), "")
            if member:
                return [Line(f"use({member});   // {cell}", True, "use")]
            seen = NULL_SEEN.search(cell)
            if seen and not self.find_deref(seen.group(1)):
                reg = self.take_register(thread)
                loc = self.location(seen.group(1))
                self.observed.append((thread, reg, loc))
                return [Line(f"{reg} = READ_ONCE({loc});   // {cell}", True, "read")]
            return self.map_mention(cell, thread)
        reg = self.take_register(thread)
        return [Line(f"{reg} = READ_ONCE({path});   // {cell}", True, "use")]

    def map(self, cell: str, thread: DraftThread, leaf: bool = True) -> list[Line]:
        """A cell's statements; a cell that says freed memory is used there ("use after free", "[UAF]")
        and maps to nothing else uses the one object another column frees."""
        lines = self.map_text(cell, thread, leaf)
        if is_uaf_marked(cell):
            freed = self.find_freed_elsewhere()
            if not any(line.mapped for line in lines) and len(freed) == 1:
                lines = [Line(f"use({freed[0]});   // {cell}", True, "use")]
            self.uaf_marked = self.uaf_marked or any(line.mapped and line.role == "use" for line in lines)
        return lines

    def map_text(self, cell: str, thread: DraftThread, leaf: bool) -> list[Line]:  # noqa: C901 - one rule per shape
        text = BULLET_RE.sub("", cell.strip().translate(FULLWIDTH))
        text = NOTE_RE.sub("", text).rstrip(";").strip() if not COMMENT_RE.match(text) else text
        if not text or COMMENT_RE.match(text):
            return [Line(f"// {cell}", False)]
        text += ")" * max(0, text.count("(") - text.count(")"))  # a call cut short by a note
        bare = find_primitive(text)
        if bare is not None and bare.kind in ("rcu_lock", "rcu_unlock", "sync_rcu") and text.isidentifier():
            return [Line(f"{text}();   // {cell}", True, "body")]
        if text.startswith(("if ", "if(", "while", "for ", "for(", "} else", "else", "return", "goto")):
            return self.map_deref(cell, thread)
        lock = BARE_LOCK.match(text)
        if lock:
            name = self.location(lock.group(2)) if lock.group(2) else "lock"
            self.locks.add(name)
            op = "spin_unlock" if "unlock" in lock.group(1) else "spin_lock"
            return [Line(f"{op}(&{name});", True, "lock")]
        listed = LIST_READ.match(text)
        if listed:
            reg = self.take_register(thread)
            return [Line(f"{reg} = {self.location(listed.group(1) or 'list') + '.linked'};   // {cell}", True, "read")]
        listed = LIST_WRITE.match(text)
        if listed:
            arg = (listed.group(1) or "list").split(",")[-1]
            return [Line(f"{self.location(arg)}.linked = {0 if 'del' in text else 1};   // {cell}", True, "write")]
        call = CALL_RE.match(text)
        if call or text.isidentifier():  # `foo` in a call chain is foo()
            return self.map_call(call.group(1), call.group(2), cell, thread, leaf) if call else \
                self.map_call(text, "", cell, thread, leaf)
        compound = COMPOUND_RE.match(text)
        if compound:  # `css->flags |= CSS_DYING`: a plain write
            return self.map_assign(compound.group(1), "1", cell, thread)
        assign = ASSIGN_RE.match(text)
        if assign:
            return self.map_assign(assign.group(1), assign.group(2).strip(), cell, thread)
        return self.map_deref(cell, thread)

    def map_call(self, name: str, args: str, cell: str, thread: DraftThread, leaf: bool = True) -> list[Line]:
        first = args.split(",")[0] if args else ""
        prim = find_primitive(name)
        if prim is not None and prim.kind in ("rcu_lock", "rcu_unlock", "sync_rcu", "nop") and not args:
            return [Line(f"{name}();", True, "body")]
        if prim is not None and prim.kind in ("lock", "unlock") and first:
            loc = self.location(first)
            self.locks.add(loc)
            return [Line(f"{'spin_lock' if prim.kind == 'lock' else 'spin_unlock'}(&{loc});   // {cell}", True, "lock")]
        if name in ("READ_ONCE", "rcu_dereference", "smp_load_acquire") and first:
            reg = self.take_register(thread)
            return [Line(f"{reg} = READ_ONCE({self.location(first)});   // {cell}", True, "read")]
        if name in ("WRITE_ONCE", "rcu_assign_pointer", "smp_store_release") and "," in args:
            return self.map_store(first, args.split(",", 1)[1].strip(), cell)
        if CMPXCHG_RE.match(name) and args.count(",") == 2:  # the exchange as it succeeds in the diagram
            return self.map_store(first, args.rsplit(",", 1)[1].strip(), cell)
        access = find_bit_access(name, [arg.strip() for arg in args.split(",")] if args.strip() else [])
        if access is not None:
            return self.map_bit(access, cell, thread)
        wrapper = find_lock_wrapper(name) if prim is None else ("", "")
        if wrapper[0]:  # `cgroup_lock()`, `inode_lock(inode)`: an exclusive lock of its own
            loc = f"{self.location(first)}.lock" if first else f"{make_ident(wrapper[1], 'lock')}_lock"
            if wrapper[0] == "unlock" and not is_held(thread, loc):
                return [Line(f"// {cell}", False)]
            self.locks.add(loc)
            return [Line(f"spin_{wrapper[0]}(&{loc});   // {cell}", True, "lock")]
        if not first:
            return self.map_by_name(name, cell, thread, leaf)
        if FREE_RE.match(name) or name in ("kfree_rcu", "call_rcu"):
            obj = self.object_of(first if name != "kmem_cache_free" else args.split(",")[-1])
            call = "kfree_rcu" if name in ("kfree_rcu", "call_rcu") else "kfree"
            self.note_free(obj)
            return [Line(f"{call}({obj});   // {cell}", True, "free")]
        if self.find_deref(args, thread) and not (FREE_RE.match(name) or PUT_RE.match(name) or GET_RE.match(name)):
            return self.map_deref(cell, thread)
        if TRYGET_RE.match(name):
            reg = self.take_register(thread)
            return [Line(f"{reg} = refcount_inc_not_zero({self.object_of(first)});   // {cell}", True, "use")]
        if PUT_RE.match(name):
            self.note_free(self.object_of(first))
            return [Line(f"put({self.object_of(first)});   // {cell}", True, "free")]
        if GET_RE.match(name):
            return [Line(f"get({self.object_of(first)});   // {cell}", True, "use")]
        return self.map_named_use(name, cell)

    def map_by_name(self, name: str, cell: str, thread: DraftThread, leaf: bool) -> list[Line]:
        """A call written without its arguments: a use of an object another column frees when its name
        begins with the object's (`ioc_pd_free` while `ioc` is freed); else, at the leaf of a call
        chain, the lifetime verb of its name (`memcg_destroy` frees a memcg, `memcg_put` drops a reference)."""
        named = self.map_named_use(name, cell)
        kind, stem = find_lifetime(name)
        if named[0].mapped or not leaf or not kind:
            return named
        obj = self.object_of(stem)
        if kind in ("free", "put"):
            self.note_free(obj)
            return [Line(f"{'kfree' if kind == 'free' else 'put'}({obj});   // {cell}", True, "free")]
        if kind == "get":
            return [Line(f"get({obj});   // {cell}", True, "use")]
        return [Line(f"{self.take_register(thread)} = refcount_inc_not_zero({obj});   // {cell}", True, "use")]

    def map_named_use(self, name: str, cell: str) -> list[Line]:
        stem = find_lifetime(name)[1]
        for obj in self.find_freed_elsewhere():
            if name.lstrip("_").startswith(obj + "_") and stem != obj:
                return [Line(f"use({obj});   // {cell}", True, "use")]
        return [Line(f"// {cell}", False)]

    def map_bit(self, access: BitAccess, cell: str, thread: DraftThread) -> list[Line]:
        """One bit of a word as a location of its own (`page.PG_lru`, `stock.flags.FLUSHING`); a bit
        operation written without arguments is the diagram's one bit."""
        loc = self.location(f"{access.word or 'flags'}.{access.bit or 'bit'}") if access.word or access.bit \
            else DEFAULT_BITS
        if access.op == "read":
            return [Line(f"{self.take_register(thread)} = {f'READ_ONCE({loc})' if access.marked else loc};   // {cell}",
                         True, "read")]
        self.note_write(loc)
        if access.op == "xchg":
            return [Line(f"{self.take_register(thread)} = xchg({loc}, {access.value});   // {cell}", True, "write")]
        code = f"WRITE_ONCE({loc}, {access.value})" if access.marked else f"{loc} = {access.value}"
        return [Line(f"{code};   // {cell}", True, "write")]

    def map_mention(self, cell: str, thread: DraftThread) -> list[Line]:
        """A line that maps to nothing else: a bit or flag test in it (`if PageAnon(page)`), or a field
        that another column writes named in it (`page->mapping has some value`), read plainly."""
        for match in INNER_CALL.finditer(cell):
            access = find_bit_access(match.group(1), [a.strip() for a in match.group(2).split(",") if a.strip()])
            if access is not None and access.op == "read":
                return self.map_bit(access, cell, thread)
        for match in MENTIONED_PATH.finditer(cell):
            loc = self.location(match.group(1))
            if self.written.get(loc, set()) - {self.column}:
                return [Line(f"{self.take_register(thread)} = {loc};   // {cell}", True, "read")]
        return [Line(f"// {cell}", False)]

    def map_store(self, target: str, value: str, cell: str) -> list[Line]:
        """A marked store of a constant or of a known object's pointer (any other value becomes 1)."""
        loc = self.location(target)
        self.note_write(loc)
        if value in self.objects:
            return [Line(f"WRITE_ONCE({loc}, {value});   // {cell}", True, "write")]
        value = value if re.fullmatch(r"-?\d+|NULL", value) else "1"
        if value in ("0", "NULL"):
            self.nulled.add(loc)
        return [Line(f"WRITE_ONCE({loc}, {value});   // {cell}", True, "write")]

    def map_assign(self, target: str, value: str, cell: str, thread: DraftThread) -> list[Line]:
        if target in self.objects:  # `ctx = of->priv`: fetching the object's pointer; the object stays `ctx`
            return [Line(f"// {cell}", False)]
        if "->" in target or "." in target:
            value = CAST_RE.sub("", value)
            if "->" not in value and "." not in value:  # a constant, a pointer or an expression (then 1)
                plain = value if re.fullmatch(r"-?\d+|NULL|true|false", value) else "1"
                plain = value if value in self.objects else plain
                target = self.deref_target(target)
                self.note_write(target)
                if plain in ("0", "NULL"):
                    self.nulled.add(target)
                return [Line(f"{target} = {plain};   // {cell}", True, "write")]
            return [Line(f"// {cell}", False)]
        source = re.match(r"^(?:READ_ONCE\()?\s*([A-Za-z_]\w*(?:->|\.)[A-Za-z_]\w*(?:(?:->|\.)\w+)*)\)?$", value)
        if source:
            reg = make_ident(target, "r")
            if self.find_deref(value, thread):
                return self.map_deref(cell, thread)
            if reg not in thread.registers:
                thread.registers.append(reg)
            thread.pointers.add(reg)
            marked = value.startswith("READ_ONCE")
            loc = self.deref_target(source.group(1))
            return [Line(f"{reg} = {'READ_ONCE(' + loc + ')' if marked else loc};   // {cell}", True, "read")]
        return [Line(f"// {cell}", False)]

    def deref_target(self, path: str) -> str:
        """`obj->field` on a known object stays a dereference (UAF-checked); others become locations."""
        head = re.split(r"->|\.", path)[0]
        if make_ident(head, "obj") in self.objects:
            return path.replace(".", "->")
        return self.location(path)


def draft_diagram(facts: RaceFacts) -> DraftModel:
    model = DraftModel(f"diagram-race-{facts.race_id}", "a CPU column diagram")
    names, columns = split_cells(clean_report(facts.report))
    if not names:
        columns_by_name: dict[str, list[tuple[int, str]]] = {}
        for column, step in facts.interleaving:
            columns_by_name.setdefault(column or "CPU0", []).append((0, step))
        names, columns = list(columns_by_name), list(columns_by_name.values())
    mapper = LineMapper()
    # two passes: objects freed and locations written anywhere are known before any line uses them
    for index, cells in enumerate(columns):
        mapper.column = index
        scratch = DraftThread("scratch")
        for (_, cell), leaf in zip(cells, find_leaves(cells)):
            mapper.map(cell, scratch, leaf)
    mapper.observed, mapper.uaf_marked = [], False
    for index, (name, cells) in enumerate(zip(names, columns)):
        mapper.column = index
        thread = DraftThread(label_column(name, [text for _, text in cells]))
        for (_, cell), leaf in zip(cells, find_leaves(cells)):
            thread.lines += mapper.map(cell, thread, leaf)
        release_held_locks(thread)
        model.threads.append(thread)
    drop_unmapped_columns(model)
    model.init += [f"object {obj};" for obj in mapper.objects]
    model.init += [f"spinlock_t {lock};" for lock in sorted(mapper.locks)]
    # a line the diagram marks as the use after free decides the condition when the consequence does not
    consequence = "use-after-free" if mapper.uaf_marked and facts.consequence != "deadlock" else facts.consequence
    if consequence not in ("use-after-free", "deadlock"):  # a NULL the diagram points at comes first
        model.condition = choose_null_condition(model, mapper)
    model.condition = model.condition or choose_condition(consequence, model)
    model.abstraction = "the diagram's columns as threads; lines that map to no primitive are kept as comments."
    if model.dropped:
        model.abstraction += " Left out (no line maps to a primitive): " + ", ".join(t.label for t in model.dropped) + "."
    return model


def label_column(name: str, cells: list[str]) -> str:
    """The column's first line when it names a function (`blkg_conf_prep`), else its header (`cpu1`)."""
    head = cells[0].rstrip(";").removesuffix("()") if cells else ""
    is_function = bool(re.fullmatch(r"[A-Za-z_]\w*", head)) and find_primitive(head) is None \
        and not BARE_LOCK.match(head) and not LIST_READ.match(head) and not LIST_WRITE.match(head) \
        and find_bit_access(head, []) is None and not find_lock_wrapper(head)[0]
    return head if is_function else make_ident(name, "cpu").lower()


def drop_unmapped_columns(model: DraftModel) -> None:
    """A column none of whose lines maps to a primitive (a bare call chain) leaves the model when two
    or more mapped columns remain; its lines are kept as comments and the abstraction says so."""
    kept = [thread for thread in model.threads if thread.mapped]
    if len(kept) < 2 or len(kept) == len(model.threads):
        return
    model.dropped = [thread for thread in model.threads if not thread.mapped]
    model.threads = kept


def choose_null_condition(model: DraftModel, mapper: LineMapper) -> str:
    """`q->elevator is NULL` in one column after another column sets it to NULL: the location starts
    non-NULL and the condition is that the observing thread reads NULL."""
    for thread, reg, loc in mapper.observed:
        writers = [t for t in model.threads if t is not thread and any(
            line.mapped and line.role == "write" and re.match(rf"(?:WRITE_ONCE\()?{re.escape(loc)}\b", line.code)
            for line in t.lines)]
        if loc in mapper.nulled and writers and thread in model.threads:
            model.init.append(f"{loc} = 1;   // not NULL until a thread clears it")
            return f"{model.threads.index(thread)}:{reg}=0"
    return ""


def is_held(thread: DraftThread, lock: str) -> bool:
    codes = [line.code for line in thread.lines if line.mapped]
    return sum(code.startswith(f"spin_lock(&{lock})") for code in codes) > \
        sum(code.startswith(f"spin_unlock(&{lock})") for code in codes)


def release_held_locks(thread: DraftThread) -> None:
    """Locks the diagram leaves held are released at the end, so that a finished thread blocks nobody."""
    held: list[str] = []
    for line in thread.lines:
        match = re.match(r"(spin_lock|spin_unlock)\(&([\w.]+)\)", line.code) if line.mapped else None
        if match and match.group(1) == "spin_lock":
            held.append(match.group(2))
        elif match and match.group(2) in held:
            held.remove(match.group(2))
    thread.lines += [Line(f"spin_unlock(&{name});   // released at the end of the model", True, "lock")
                     for name in reversed(held)]


def choose_condition(consequence: str, model: DraftModel) -> str:
    roles = [{line.role for line in t.lines if line.mapped} for t in model.threads]
    if consequence == "use-after-free":
        return "uaf" if any("free" in r for r in roles) else ""
    if consequence == "deadlock":
        return "deadlock" if sum(1 for r in roles if "lock" in r) >= 2 else ""
    if sum(1 for r in roles if r & {"read", "write"}) >= 2 and any("write" in r for r in roles):
        return "data_race"
    if any("free" in r for r in roles):
        return "uaf"
    return ""
