#!/usr/bin/env python3
"""Finds import circles between the files of a Rust crate's `src/`.

Builds the file-level graph: file A depends on file B when A names an item that B defines,
through a `use` (`use crate::a::B`, `use super::b::C`, `use child::D`) or a path in the code
(`crate::clock::now_ms()`, `super::runtime::seed`). Names are followed through re-exports
(`pub use` in `lib.rs` and `mod.rs`, and any other `use` a child module can see) to the file
that defines them, so `crate::Error` is an edge to `src/error.rs`, not to `src/lib.rs`. A
module declaration (`mod x;`) is no edge. Comments, doc comments and strings are ignored;
code under `#[cfg(..)]` of any target (and tests) counts, and so do paths in attributes
(`#[error("{}", crate::x::Y(.0))]` is code).

Prints every circle (each strongly connected group of files, and one shortest circle
through it) and exits with 1 when there is one, 0 otherwise.

Usage: scripts/import_cycles.py [SRC_DIR]   (default: src/ next to this script's parent)
"""

import os
import re
import sys
from collections import deque

KEYWORDS_BEFORE_NAME = {"fn", "struct", "enum", "trait", "type", "const", "static", "union"}


# ---------------------------------------------------------------------------------------------
# Lexing: comments and literals out, then a flat list of tokens.


def strip(text):
    """`text` with comments and string/char literals replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(text)

    def blank(s):
        return "".join("\n" if c == "\n" else " " for c in s)

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(text[i:j]))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(blank(text[i:j]))
            i = j
        elif (m := re.compile(r'b?r(#*)"').match(text, i)) and (
            i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")
        ):
            end = '"' + m.group(1)
            j = text.find(end, m.end())
            j = n if j < 0 else j + len(end)
            out.append(blank(text[i:j]))
            i = j
        elif c == '"' or (c == "b" and text.startswith('b"', i)
                          and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))):
            j = i + (2 if c == "b" else 1)
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j += 1
            out.append(blank(text[i:j]))
            i = j
        elif c == "'":
            # A char literal ('a', '\n', '\u{..}') or a lifetime ('a, 'static).
            m = re.compile(r"'(\\(u\{[0-9a-fA-F]*\}|x[0-9a-fA-F]{2}|.)|[^\\'\n])'").match(text, i)
            if m:
                out.append(blank(m.group(0)))
                i = m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


TOKEN = re.compile(r"r#[A-Za-z_]\w*|[A-Za-z_]\w*|::|[{}();,*<>!#\[\]=]|\S")


class Token(str):
    """A token that knows its line."""

    def __new__(cls, text, line):
        token = super().__new__(cls, text)
        token.line = line
        return token


def tokens(text):
    stripped, out, line, at = strip(text), [], 1, 0
    for m in TOKEN.finditer(stripped):
        line += stripped.count("\n", at, m.start())
        at = m.start()
        t = m.group(0)
        out.append(Token(t[2:] if t.startswith("r#") else t, line))
    return out


# ---------------------------------------------------------------------------------------------
# Modules: which file each module lives in, what it declares, defines and imports.


class Module:
    def __init__(self, path, file):
        self.path = path  # tuple of names from the crate root
        self.file = file
        self.children = {}  # name -> Module
        self.items = set()  # names defined here
        self.bindings = {}  # name -> absolute path (tuple) or None (external)
        self.globs = []  # absolute module paths glob-imported
        self.refs = []  # (segments, line) to resolve into edges


class Crate:
    def __init__(self, src):
        self.src = src
        self.modules = {}
        root_file = os.path.join(src, "lib.rs")
        if not os.path.exists(root_file):
            root_file = os.path.join(src, "main.rs")
        self.root = self.load((), root_file, is_dir_owner=True)

    # Files -------------------------------------------------------------------------------

    def child_file(self, parent_file, parent_owns_dir, name):
        base = os.path.dirname(parent_file)
        if not parent_owns_dir:
            base = os.path.join(base, os.path.splitext(os.path.basename(parent_file))[0])
        for candidate in (os.path.join(base, name + ".rs"), os.path.join(base, name, "mod.rs")):
            if os.path.exists(candidate):
                return candidate, candidate.endswith("mod.rs")
        return None, False

    def load(self, path, file, is_dir_owner):
        module = Module(path, file)
        self.modules[path] = module
        with open(file, encoding="utf-8") as f:
            toks = tokens(f.read())
        self.parse(module, toks, 0, len(toks), is_dir_owner)
        return module

    # Parsing -----------------------------------------------------------------------------

    def parse(self, module, toks, start, end, owns_dir):
        """Reads `toks[start:end]`, the body of `module` (a file or an inline `mod x { }`)."""
        depth = 0  # brace depth relative to the module's own body
        i = start
        while i < end:
            t = toks[i]
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
            elif t == "pub" and i + 1 < end and toks[i + 1] == "(":
                # A visibility, `pub(in crate::x)` included: it names a module, it uses nothing.
                while i < end and toks[i] != ")":
                    i += 1
            elif t == "mod" and i + 2 < end and re.match(r"\w+$", toks[i + 1]) and toks[i + 2] in (";", "{"):
                name = toks[i + 1]
                if toks[i + 2] == ";":
                    file, child_owns = self.child_file(module.file, owns_dir, name)
                    if file and depth == 0:
                        module.children[name] = self.load(module.path + (name,), file, child_owns)
                    i += 2
                else:
                    close = matching(toks, i + 2, end)
                    child = Module(module.path + (name,), module.file)
                    self.modules[child.path] = child
                    module.children[name] = child
                    # An inline module's `mod x;` children live in a directory named after it.
                    self.parse(child, toks, i + 3, close, False)
                    i = close
            elif t == "use":
                j = i + 1
                while j < end and toks[j] != ";":
                    j += 1
                for names, alias, glob in use_tree(toks[i + 1:j]):
                    module.refs.append((names, toks[i].line))
                    if glob:
                        module.globs.append(names)
                    elif alias != "_" and depth == 0:
                        module.bindings[alias] = names
                i = j
            elif t in KEYWORDS_BEFORE_NAME and i + 1 < end and re.match(r"[A-Za-z_]\w*$", toks[i + 1]):
                if depth == 0:
                    module.items.add(toks[i + 1])
            elif t == "macro_rules" and i + 2 < end and toks[i + 1] == "!":
                module.items.add(toks[i + 2])
            elif re.match(r"[A-Za-z_]\w*$", t) and i + 1 < end and toks[i + 1] == "::" and (
                i == start or toks[i - 1] != "::"
            ):
                segs, j = [t], i
                while j + 2 < end and toks[j + 1] == "::" and re.match(r"[A-Za-z_]\w*$", toks[j + 2]):
                    segs.append(toks[j + 2])
                    j += 2
                module.refs.append((tuple(segs), t.line))
                i = j
            i += 1


def matching(toks, open_at, end):
    depth = 0
    for j in range(open_at, end):
        if toks[j] == "{":
            depth += 1
        elif toks[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return end


def use_tree(toks):
    """The leaves of a `use` declaration: (path, the name it binds, is-glob)."""
    # Leading visibility: `pub`, `pub(crate)`, `pub(in x)`.
    i = 0
    if i < len(toks) and toks[i] == "pub":
        i += 1
        if i < len(toks) and toks[i] == "(":
            while i < len(toks) and toks[i] != ")":
                i += 1
            i += 1
    leaves = []

    def tree(i, prefix):
        segs = list(prefix)
        while i < len(toks):
            t = toks[i]
            if t == "::":
                i += 1
            elif t == "{":
                i += 1
                while i < len(toks) and toks[i] != "}":
                    i = tree(i, segs)
                    if i < len(toks) and toks[i] == ",":
                        i += 1
                return i + 1
            elif t == "*":
                leaves.append((tuple(segs), None, True))
                return i + 1
            elif t in (",", "}"):
                break
            elif t == "as":
                leaves.append((tuple(segs), toks[i + 1], False))
                return i + 2
            else:
                segs.append(t)
                i += 1
        if segs and segs != list(prefix):
            if segs[-1] == "self":
                segs = segs[:-1]
            if segs:
                leaves.append((tuple(segs), segs[-1], False))
        return i

    tree(i, ())
    return leaves


# ---------------------------------------------------------------------------------------------
# Resolution: a path as written in a module, to the file that defines what it names.


class Resolver:
    def __init__(self, crate):
        self.crate = crate

    def absolute(self, module, segs, binding=None):
        """`segs` as written in `module`, from the crate root; None when external. `binding`:
        the name a `use` binds to `segs`, which cannot refer to itself (in
        `use wasm_bindgen::prelude::wasm_bindgen;` the first `wasm_bindgen` is the crate)."""
        if not segs:
            return None
        head = segs[0]
        if head == "crate":
            return segs[1:]
        if head in ("self", "super"):
            path = list(module.path)
            i = 0
            while i < len(segs) and segs[i] in ("self", "super"):
                if segs[i] == "super":
                    if not path:
                        return None
                    path.pop()
                i += 1
            return tuple(path) + tuple(segs[i:])
        # Rust 2018: a child module, or a name this module (or an enclosing one, for paths in
        # code inside inline modules) imports; otherwise an external crate or a local name.
        scope = module
        while True:
            if head in scope.children:
                return scope.path + tuple(segs)
            if head in scope.bindings and not (scope is module and head == binding):
                return scope.path + tuple(segs)
            if head in scope.items:
                return scope.path + tuple(segs)
            if scope.file != module.file or not scope.path:
                return None
            parent = self.crate.modules.get(scope.path[:-1])
            if parent is None or parent.file != module.file:
                return None
            scope = parent

    def file_of(self, path, seen=None):
        """The file that defines the item (or module) at absolute `path`."""
        seen = set() if seen is None else seen
        if path in seen:
            return None
        seen.add(path)
        module = self.crate.root
        for k, name in enumerate(path):
            if name in module.children:
                module = module.children[name]
                continue
            if name in module.bindings:
                target = module.bindings[name]
                full = self.absolute(module, target, binding=name)
                if full is None:
                    return None
                return self.file_of(tuple(full) + tuple(path[k + 1:]), seen)
            if name in module.items:
                return module.file
            for glob in module.globs:
                full = self.absolute(module, glob)
                if full is None:
                    continue
                source = self.crate.modules.get(tuple(full))
                if source and (name in source.items or name in source.bindings or name in source.children):
                    return self.file_of(tuple(full) + tuple(path[k:]), seen)
            # Something this tool does not see (an enum variant, a method, a macro's item):
            # it lives in this module's file.
            return module.file
        return module.file


def graph(crate):
    """file -> {file it depends on: (line, path) of the first reference}."""
    resolver = Resolver(crate)
    edges = {}
    for module in crate.modules.values():
        out = edges.setdefault(module.file, {})
        for segs, line in module.refs:
            full = resolver.absolute(module, segs)
            if full is None:
                continue
            file = resolver.file_of(tuple(full))
            if file and file != module.file:
                if file not in out or line < out[file][0]:
                    out[file] = (line, "::".join(segs))
    return edges


# ---------------------------------------------------------------------------------------------
# Circles.


def strongly_connected(edges):
    index, low, on_stack, stack, groups = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        # Iterative Tarjan, so that deep graphs do not hit the recursion limit.
        work = [(v, iter(sorted(edges.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    advanced = True
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    group.append(w)
                    if w == node:
                        break
                groups.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return [g for g in groups if len(g) > 1]


def shortest_circle(edges, group):
    members = set(group)
    best = None
    for start in group:
        previous = {start: None}
        queue = deque([start])
        while queue:
            v = queue.popleft()
            for w in sorted(edges.get(v, ())):
                if w not in members:
                    continue
                if w == start:
                    path = [v]
                    while previous[path[-1]] is not None:
                        path.append(previous[path[-1]])
                    path.reverse()
                    if best is None or len(path) < len(best):
                        best = path
                    queue.clear()
                    break
                if w not in previous:
                    previous[w] = v
                    queue.append(w)
    return best or group


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "src")
    src = os.path.normpath(src)
    edges = graph(Crate(src))
    rel = lambda f: os.path.relpath(f, os.path.dirname(src))  # noqa: E731
    groups = strongly_connected(edges)
    if not groups:
        print(f"import_cycles: no import circle among the {len(edges)} files of {rel(src)}/")
        return 0
    for group in groups:
        print(f"import circle through {len(group)} files:")
        for file in group:
            for target in sorted(w for w in edges[file] if w in group):
                line, path = edges[file][target]
                print(f"  {rel(file)}:{line} -> {rel(target)}  ({path})")
        circle = shortest_circle(edges, group)
        print("  for example: " + " -> ".join(rel(f) for f in circle + [circle[0]]))
    return 1


if __name__ == "__main__":
    sys.exit(main())
