"""Offline IAM policy evaluation for ``sts:AssumeRole``, one module per part of the rules.

* :mod:`~assume.iam.principals`: parsing a caller, matching ``Principal`` / ``NotPrincipal``;
* :mod:`~assume.iam.context`: the request context (condition keys, actions);
* :mod:`~assume.iam.patterns`: wildcards and policy variables;
* :mod:`~assume.iam.conditions`: condition operators, set qualifiers, ``IfExists``;
* :mod:`~assume.iam.evaluation`: statements and policies, and the decision they reach;
* :mod:`~assume.iam.assume_role`: every policy type that can refuse AssumeRole, side by side;
* :mod:`~assume.iam.causes`: the usual reasons for a refusal.

The rules follow the IAM User Guide, and each cites its sentence next to the code:

* "Policy evaluation logic": an explicit ``Deny`` in any policy wins; every RCP and SCP level
  must allow; the role's trust policy must allow; across accounts the caller's identity
  policies, permissions boundary and session policy must allow too. In the same account a
  trust statement naming the caller's user or session (or everyone) is enough, one naming its
  role still needs the boundary and session policy, one naming only the account needs all.
* "Condition operators": a missing key makes a positive operator false and a negated one
  true; ``...IfExists`` makes an operator true on a missing key; values are OR'ed (negated:
  "matches none"); ``Null`` tests presence.
* "IAM JSON policy elements: Resource": a ``*`` that ends an ARN segment "can expand to match
  beyond the colon boundaries"; other wildcards stay in their segment.
* "Variables and tags": ``${key}`` and ``${key, 'default'}`` only with ``"Version":
  "2012-10-17"``, in ``Resource`` only after the fifth colon; ``${*}``, ``${?}``, ``${$}`` are
  literal characters; a variable with no value matches nothing, except that negated operators
  "do match against a null value".

Choices where the guide is loose, each with its test (tests/test_iam_rules.py) and source:

* ``ForAnyValue:...IfExists`` on a missing key is **false**: the guide says ForAnyValue is false
  without values and names no exception for IfExists; AWS re:Post ("ForAnyValue:
  StringEqualsIfExists behaving unexpectedly") reports a deny in exactly this case.
* An operator **without** a set qualifier on a multivalued key (``aws:TagKeys``, or any key with
  several values) never holds, negated or not: "Multivalued context keys require a condition
  set operator" ("Single-valued vs. multivalued context keys"); iam-simulate does the same.
* ``{"AWS": "*"}`` names every AWS-account principal (users, roles, sessions) but not services
  or SAML/OIDC providers; ``"*"`` names everyone ("Principal": a wildcard trust lets "any IAM
  user in any account in your partition" in; services go under ``"Service"``).
* ``Deny`` + ``NotPrincipal`` exempts a caller only when its account is listed too, with its
  user, role or session ("you must also specify the account ARN of the not-denied principal.
  Otherwise, the policy might deny access to the entire account"); it always denies a caller
  that has a permissions boundary ("Permissions boundaries for IAM entities"). ``Allow`` +
  ``NotPrincipal`` grants everyone except those named, directly, by role or by account.
* User and role names in a principal ARN compare without case (IAM names "are not distinguished
  by case", and a trust policy stores the role's unique ID); paths, session names and service
  principals compare exactly ("Service principals are unique and case-sensitive").
* Every action of one AssumeRole call (``sts:TagSession``, ``sts:SetSourceIdentity``) is
  evaluated with the whole request context of that call.
* The account root user and GetFederationToken sessions cannot call ``sts:AssumeRole``
  (STS API "AssumeRole"; "Compare AWS STS credentials"); SAML/OIDC principals and services
  are authorised by the trust policy and the RCPs alone.
* Operator names and qualifiers match case-insensitively; a malformed policy raises
  :class:`~assume.iam.document.PolicyError` rather than being half-evaluated.

The package is pure standard library; every result is JSON-serialisable through ``to_dict``.
tests/test_iam_differential.py compares it with the npm package ``@cloud-copilot/iam-simulate``.
"""
