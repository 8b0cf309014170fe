"""Tokens → the allow-listed tree, by precedence climbing, with a depth limit."""

from __future__ import annotations

from dataclasses import replace

from lifeservices_cli.formula.lexer import Token
from lifeservices_cli.formula.tree import FUNCTIONS, MAX_DEPTH, FormulaError, Node

_CHAINS = {"or": ("or",), "and": ("and",), "add": ("+", "-"), "mul": ("*", "/")}
_LOWER = {"or": "and", "and": "not", "add": "mul", "mul": "unary"}
_COMPARE = frozenset({"==", "!=", "<", "<=", ">", ">="})


class Parser:
    def __init__(self, text: str, toks: list[Token]):
        self.text, self.toks, self.i, self.depth = text, toks, 0, 0

    def parse(self) -> Node:
        if self.toks[0].kind == "end":
            raise FormulaError("formula is empty", 1)
        node = self.chain("or")
        tok = self.toks[self.i]
        if tok.kind != "end":
            what = "unmatched ')'" if tok.value == ")" else f"unexpected {self.show(tok)}"
            raise FormulaError(f"{what}; expected an operator or the end of the formula", tok.start + 1)
        return node

    def show(self, tok: Token) -> str:
        return "end of formula" if tok.kind == "end" else f"'{' '.join(self.text[tok.start : tok.end].split())}'"

    def at(self, *ops: str) -> bool:
        tok = self.toks[self.i]
        return tok.kind == "op" and tok.value in ops

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def enter(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"formula is nested too deeply (more than {MAX_DEPTH} levels)", tok.start + 1)

    def close(self, opener: Token, expected: str = "')'") -> Token:
        if not self.at(")"):
            tok = self.toks[self.i]
            raise FormulaError(
                f"expected {expected} to close '(' at column {opener.start + 1}, got {self.show(tok)}",
                tok.start + 1,
            )
        return self.take()

    def chain(self, level: str) -> Node:
        """Left-associative n-ary chain (flat, so long chains cannot overflow the stack)."""
        lower = _LOWER[level]
        args: list[Node] = []
        ops: list[tuple[str, int]] = []
        while True:
            if lower == "not":
                args.append(self.not_())
            elif lower == "unary":
                args.append(self.unary())
            else:
                args.append(self.chain(lower))
            if not self.at(*_CHAINS[level]):
                break
            tok = self.take()
            ops.append((tok.value, tok.start))
        if len(args) == 1:
            return args[0]
        kind = level if level in ("or", "and") else "arith"
        return Node(kind, args[0].start, args[-1].end, args=tuple(args), ops=tuple(ops))

    def not_(self) -> Node:
        if not self.at("not"):
            return self.compare()
        tok = self.take()
        self.enter(tok)
        operand = self.not_()
        self.depth -= 1
        return Node("not", tok.start, operand.end, "not", tok.start, (operand,))

    def compare(self) -> Node:
        left = self.chain("add")
        if not self.at(*_COMPARE):
            return left
        tok = self.take()
        right = self.chain("add")
        if self.at(*_COMPARE):
            raise FormulaError("comparisons cannot be chained; use 'and'", self.toks[self.i].start + 1)
        return Node("cmp", left.start, right.end, tok.value, tok.start, (left, right))

    def unary(self) -> Node:
        if not self.at("+", "-"):
            return self.primary()
        tok = self.take()
        self.enter(tok)
        operand = self.unary()
        self.depth -= 1
        kind = "neg" if tok.value == "-" else "pos"
        return Node(kind, tok.start, operand.end, tok.value, tok.start, (operand,))

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind in ("num", "str", "bool"):
            node = Node(tok.kind, tok.start, tok.end, tok.value, tok.start)
        elif tok.kind == "name" and self.at("("):
            node = self.call(tok)
        elif tok.kind == "name":
            node = Node("name", tok.start, tok.end, tok.value, tok.start)
        elif tok.kind == "op" and tok.value == "(":
            self.enter(tok)
            inner = self.chain("or")
            node = replace(inner, start=tok.start, end=self.close(tok).end)
            self.depth -= 1
        else:
            prev = f" after {self.show(self.toks[self.i - 2])}" if self.i >= 2 else ""
            raise FormulaError(f"expected a value{prev}, got {self.show(tok)}", tok.start + 1)
        if self.at("("):
            raise FormulaError("calls of non-functions are not allowed", self.toks[self.i].start + 1)
        return node

    def call(self, name: Token) -> Node:
        if name.value not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise FormulaError(f"unknown function '{name.value}'; allowed: {allowed}", name.start + 1)
        self.enter(name)
        opener = self.take()
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.chain("or"))
            while self.at(","):
                self.take()
                args.append(self.chain("or"))
        end = self.close(opener, "',' or ')'").end
        self.depth -= 1
        return Node("call", name.start, end, name.value, name.start, tuple(args))
