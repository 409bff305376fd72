"""Naming a cluster instead of numbering it: which of OCP's clusters a ``cluster_name`` means, or why none does.

DBAs know their clusters by name; OCP's API wants the id. Both hooks fetch OCP's cluster list (a few clusters: one
request) and hand it to :func:`cluster_named`, which keeps the exact match: one is the answer, none or several is an
error that lists what OCP does know, so a typo is fixed from the message alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from airflow_provider_ocp.client.errors import OCPAPIError, OCPError, OCPInputError, OCPRequestRejectedError
from airflow_provider_ocp.validation import validate_positive_id

MAX_NAMES_LISTED = 20


def cluster_choice(cluster_id: object, cluster_name: object) -> int | str:
    """The validated id, or the cleaned name to look up: exactly one of them must be given.

    :param cluster_id: the ``cluster_id`` argument (None: absent).
    :param cluster_name: the ``cluster_name`` argument.
    """
    has_id, has_name = cluster_id is not None, cluster_name is not None
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
    return OCPInputError(f"OCP has no cluster named {name!r}. Clusters OCP knows: {known_clusters(everything)}.")


Clusters = Sequence[Mapping[str, Any]]


def missing_cluster(error: OCPAPIError, cluster_id: int, list_clusters: Callable[[], Clusters]) -> OCPAPIError:
    """What the sync hook raises when a cluster's task endpoint failed with ``error``: after a 404, OCP's cluster
    list is read and, when it lacks ``cluster_id``, :func:`cluster_not_listed`; else ``error`` itself.

    :param error: the task endpoint's error.
    :param cluster_id: the cluster id asked for.
    :param list_clusters: the hook's ``list_clusters``.
    """
    if error.status != 404:
        return error
    try:
        return cluster_not_listed(error, cluster_id, list_clusters())
    except OCPError:  # the list cannot be read either: the 404 says what is known
        return error


async def a_missing_cluster(
    error: OCPAPIError, cluster_id: int, list_clusters: Callable[[], Awaitable[Clusters]]
) -> OCPAPIError:
    """:func:`missing_cluster` for the async hook.

    :param error: the task endpoint's error.
    :param cluster_id: the cluster id asked for.
    :param list_clusters: the async hook's ``list_clusters``.
    """
    if error.status != 404:
        return error
    try:
        return cluster_not_listed(error, cluster_id, await list_clusters())
    except OCPError:
        return error


def cluster_not_listed(error: OCPAPIError, cluster_id: int, everything: Clusters) -> OCPAPIError:
    """The error for a 404 on a cluster's endpoint: when OCP does not list ``cluster_id``, a rejected request naming
    the clusters it does list (raised in place of the 404: its context is suppressed); else ``error`` itself (a 404
    about something else, e.g. the tenant). Both hooks build it here.

    :param error: the 404 OCP answered.
    :param cluster_id: the cluster id asked for.
    :param everything: every cluster OCP lists.
    """
    if any(str(cluster.get("id")) == str(cluster_id) for cluster in everything):
        return error
    missing = OCPRequestRejectedError(
        f"OCP has no cluster with id {cluster_id} (cluster_id): check the id, or give cluster_name instead. "
        f"Clusters OCP knows: {known_clusters(everything)}.",
        **error.keywords(),
    )
    missing.__suppress_context__ = True  # the 404 it replaces says nothing more
    return missing


def known_clusters(everything: Sequence[Mapping[str, Any]]) -> str:
    """OCP's clusters for a message, as ``name (id N)``, sorted, at most :data:`MAX_NAMES_LISTED` of them.

    :param everything: every cluster OCP lists.
    """
    known = sorted(f"{cluster.get('name')} (id {cluster.get('id')})" for cluster in everything)
    more = f" and {len(known) - MAX_NAMES_LISTED} more" if len(known) > MAX_NAMES_LISTED else ""
    return (", ".join(known[:MAX_NAMES_LISTED]) + more) or "none"
