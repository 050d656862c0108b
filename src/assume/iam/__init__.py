"""Offline IAM policy evaluation for ``sts:AssumeRole``, one module per part of the rules.

* :mod:`~assume.iam.principals`: parsing a caller, matching ``Principal`` / ``NotPrincipal``;
* :mod:`~assume.iam.context`: the request context (condition keys, actions);
* :mod:`~assume.iam.patterns`: wildcards and policy variables;
* :mod:`~assume.iam.conditions`: condition operators, set qualifiers, ``IfExists``;
* :mod:`~assume.iam.evaluation`: statements and policies, and the decision they reach;
* :mod:`~assume.iam.assume_role`: every policy type that can refuse AssumeRole, side by side;
* :mod:`~assume.iam.causes`: the usual reasons for a refusal.

Each rule cites the IAM User Guide sentence it encodes, next to the code. The package is pure
standard library; every result is JSON-serialisable through ``to_dict``.
"""
