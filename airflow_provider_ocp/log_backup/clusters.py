"""Naming a cluster instead of numbering it: which of OCP's clusters a ``cluster_name`` means, or why none does.

DBAs know their clusters by name; OCP's API wants the id. Both hooks fetch OCP's cluster list (a few clusters: one
request) and hand it to :func:`cluster_named`, which keeps the exact match: one is the answer, none or several is an
error that lists what OCP does know, so a typo is fixed from the message alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_provider_ocp.exceptions import OCPInputError
from airflow_provider_ocp.validation import is_unset, validate_positive_id

MAX_NAMES_LISTED = 20


def cluster_choice(cluster_id: object, cluster_name: object) -> int | str:
    """The validated id, or the cleaned name to look up: exactly one of them must be given.

    :param cluster_id: the ``cluster_id`` argument (templated: ``"None"`` or blank means absent).
    :param cluster_name: the ``cluster_name`` argument.
    """
    has_id, has_name = not is_unset(cluster_id), not is_unset(cluster_name)
    if has_id and has_name:
        raise OCPInputError("Give cluster_id or cluster_name, not both.")
    if has_name:
        if not isinstance(cluster_name, str):
            raise OCPInputError(f"cluster_name must be text, the name OCP shows for the cluster; got {cluster_name!r}.")
        return cluster_name.strip()
    if not has_id:
        raise OCPInputError("Give cluster_id (OCP's cluster id) or cluster_name (the name OCP shows for it).")
    return validate_positive_id(cluster_id, "cluster_id")


def cluster_named(name: str, clusters: Sequence[Mapping[str, Any]]) -> int:
    """The id of the cluster called ``name``; an unknown or ambiguous name is an error listing OCP's clusters.

    :param name: the cleaned ``cluster_name`` (:func:`cluster_choice`).
    :param clusters: every cluster OCP lists.
    """
    matches = exact_matches(name, clusters)
    if not matches:
        raise unknown_cluster(name, clusters)
    return chosen_id(name, matches)


def exact_matches(name: str, candidates: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The clusters whose name is exactly ``name`` (else equal ignoring case, as OCP compares names).

    :param name: the cluster name asked for.
    :param candidates: OCP's clusters.
    """
    exact = [cluster for cluster in candidates if cluster.get("name") == name]
    return exact or [cluster for cluster in candidates if str(cluster.get("name", "")).lower() == name.lower()]


def chosen_id(name: str, matches: Sequence[Mapping[str, Any]]) -> int:
    """The id of the single match; an ambiguous name is an error listing the matches.

    :param name: the cluster name asked for.
    :param matches: :func:`exact_matches`' result, not empty.
    """
    if len(matches) > 1:
        listed = ", ".join(f"{cluster.get('name')} (id {cluster.get('id')})" for cluster in matches)
        raise OCPInputError(f"cluster_name {name!r} is ambiguous: OCP lists {listed}; give cluster_id instead.")
    return validate_positive_id(matches[0].get("id"), f"the id OCP lists for cluster {name!r}")


def unknown_cluster(name: str, everything: Sequence[Mapping[str, Any]]) -> OCPInputError:
    """The error for a name OCP does not know, listing the clusters it does.

    :param name: the cluster name asked for.
    :param everything: every cluster OCP lists.
    """
    known = sorted(f"{cluster.get('name')} (id {cluster.get('id')})" for cluster in everything)
    more = f" and {len(known) - MAX_NAMES_LISTED} more" if len(known) > MAX_NAMES_LISTED else ""
    shown = ", ".join(known[:MAX_NAMES_LISTED]) + more
    return OCPInputError(f"OCP has no cluster named {name!r}. Clusters OCP knows: {shown or 'none'}.")
