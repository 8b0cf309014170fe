"""Pack formulas: a small, safe expression language compiled to Python closures.

Indicator packs write formulas such as ``service_facility_area / households * 100`` or
``floor_area <= 300 or total_investment <= 300000``. A formula is tokenised and parsed by hand
(precedence climbing) into a small allow-listed tree, type-checked against the known fields and
turned into nested closures once; evaluating it is then a plain chain of function calls.

Evaluation is exact (``Fraction``) and three-valued: an ``Unknown`` operand makes the result
``Unknown`` with the reasons merged, except where ``and``/``or``/``if`` can decide without it.
"""

from lifeservices_cli.formula.compile import compile_formula
from lifeservices_cli.formula.tree import FUNCTIONS, Formula, FormulaError, Node

__all__ = ["FUNCTIONS", "Formula", "FormulaError", "Node", "compile_formula"]
