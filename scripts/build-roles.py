#!/usr/bin/env python3
"""Generate rules/roles.json from the shared role data, and check the hand-written tables.

Usage (from the repository root):

    python3 scripts/build-roles.py            # regenerate rules/roles.json, then validate every table
    python3 scripts/build-roles.py --check    # exit 1 if rules/roles.json is stale or any table is invalid
    python3 scripts/build-roles.py --data DIR # where shared/data lives (default: first of ./shared/data,
                                              # ../shared/data, $KEYLESS_SHARED_DATA)

Inputs (read-only):
    shared/data/azure-builtin-roles.json   every built-in Azure RBAC role (primary dump + supplement)
    shared/data/renamed-roles.md           former names of renamed roles, and removed roles
    shared/data/service-roles.md           Cosmos DB native data-plane role ids are cross-checked here
    shared/data/README.md                  upstream provenance (repository and commit) of the role dump

Output:
    rules/roles.json                       generated; never edit by hand

Validated (hand-written, see rules/README.md):
    rules/local-auth.json, rules/compute.json, rules/service-roles.json
    Every role reference {"id": <guid>, "name": <name>} must name an existing role by its current name.

Output is deterministic: roles sorted by GUID, fixed key order, 2-space indent, ASCII-escaped, trailing newline,
no timestamps. Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"
ROLES_OUT = RULES / "roles.json"

GENERATED = "by scripts/build-roles.py from shared/data/azure-builtin-roles.json; do not edit"
SCHEMA_VERSION = 1
GUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# Cosmos DB for NoSQL native data-plane role definitions. They are not Azure RBAC roles, so the shared role dump
# does not hold them. service-roles.md section 8 names them and cites the page below; the full action strings are
# copied from that page (the table in service-roles.md abbreviates them).
COSMOS_DOC = ("MicrosoftDocs/azure-databases-docs:articles/cosmos-db/nosql/security/reference-data-plane-roles.md"
              "@4687cf3e15051bb16e200f14832b234f6bec47f0")
COSMOS_TABLE_DOC = ("MicrosoftDocs/azure-databases-docs:articles/cosmos-db/table/security/reference-data-plane-roles.md"
                    "@a70be6b37a638c5fec96e73fb6abc2cc53220961")
COSMOS_ROLES = [
    {
        "id": "00000000-0000-0000-0000-000000000001",
        "name": "Cosmos DB Built-in Data Reader",
        "data_actions": [
            "Microsoft.DocumentDB/databaseAccounts/readMetadata",
            "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/read",
            "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/executeQuery",
            "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/readChangeFeed",
        ],
    },
    {
        "id": "00000000-0000-0000-0000-000000000002",
        "name": "Cosmos DB Built-in Data Contributor",
        "data_actions": [
            "Microsoft.DocumentDB/databaseAccounts/readMetadata",
            "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/*",
            "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers/items/*",
        ],
    },
]
COSMOS_VALID_FOR = [
    "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments",
    "Microsoft.DocumentDB/databaseAccounts/tableRoleAssignments",
]


class BuildError(Exception):
    pass


# ---------------------------------------------------------------------------------------------------------------
# inputs

def find_data_dir(explicit: str | None) -> Path:
    candidates = []
    if explicit:
        candidates.append(Path(explicit))
    if os.environ.get("KEYLESS_SHARED_DATA"):
        candidates.append(Path(os.environ["KEYLESS_SHARED_DATA"]))
    candidates += [REPO / "shared" / "data", REPO.parent / "shared" / "data"]
    for c in candidates:
        if (c / "azure-builtin-roles.json").is_file():
            return c
    raise BuildError("cannot find shared/data/azure-builtin-roles.json; pass --data DIR "
                     f"(looked in: {', '.join(str(c) for c in candidates)})")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def md_table(text: str, header_prefix: str) -> list[list[str]]:
    """Rows of the first Markdown table whose header line starts with header_prefix, cells stripped of spaces
    and backticks. Only ASCII spaces are stripped, so names with U+00A0 keep it."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(header_prefix):
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                cells = row.strip("\n").split("|")[1:-1]
                rows.append([c.strip(" ").strip("`") for c in cells])
            return rows
    raise BuildError(f"table with header {header_prefix!r} not found")


def provenance(readme: str) -> dict:
    def grab(pattern: str, what: str) -> str:
        m = re.search(pattern, readme, re.S)
        if not m:
            raise BuildError(f"shared/data/README.md: cannot find {what} (pattern {pattern!r}); update build-roles.py")
        return m.group(1)

    primary = grab(r"`easimon/azure-builtin-roles`, folder `azure-roles/`,\s*at commit\s*`([0-9a-f]{40})`",
                   "the easimon commit")
    supplement = grab(r"`(philomath213/azure-roles-analyzer:[^`]+@[0-9a-f]{40})`", "the supplement file")
    cross = grab(r"`(maciejporebski/azure-rbac-change-tracking:roles/@[0-9a-f]{40})`", "the cross-check dump")
    return {
        "primary": f"easimon/azure-builtin-roles:azure-roles/@{primary}",
        "supplement": supplement,
        "cross_check": cross,
    }


# ---------------------------------------------------------------------------------------------------------------
# build

def dedup(xs: list[str]) -> list[str]:
    seen, out = set(), []
    for x in xs:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def is_deprecated(role: dict) -> bool:
    # The data marks deprecation in the name "(Deprecated)" (6 roles) or in the description only (AcrImageSigner:
    # "Planned DEPRECATION on March 31, 2028"). shared/data/README.md lists all seven as "marked deprecated".
    return "(deprecated)" in role["roleName"].lower() or "deprecat" in role["description"].lower()


def build(data: Path) -> dict:
    roles_path = data / "azure-builtin-roles.json"
    renames_path = data / "renamed-roles.md"
    raw = json.loads(roles_path.read_text(encoding="utf-8"))
    renames_md = renames_path.read_text(encoding="utf-8")
    readme = (data / "README.md").read_text(encoding="utf-8")
    service_md = (data / "service-roles.md").read_text(encoding="utf-8")

    by_id: dict[str, dict] = {}
    for r in raw:
        rid = r["id"]
        if not GUID_RE.match(rid):
            raise BuildError(f"role {r['roleName']!r}: id {rid!r} is not a lower-case GUID")
        if rid in by_id:
            raise BuildError(f"duplicate role id {rid}")
        by_id[rid] = r
    names = {}
    for r in raw:
        key = r["roleName"].strip().lower()
        if key in names:
            raise BuildError(f"duplicate role name {r['roleName']!r}")
        names[key] = r["id"]

    # former names
    former: dict[str, list[str]] = {}
    for cells in md_table(renames_md, "| former name | current name | GUID |"):
        old, new, gid = cells[0], cells[1], cells[2]
        if gid not in by_id:
            raise BuildError(f"renamed-roles.md: {gid} ({new}) is not in azure-builtin-roles.json")
        if by_id[gid]["roleName"].strip() != new:
            raise BuildError(f"renamed-roles.md: {gid} is named {by_id[gid]['roleName']!r}, not {new!r}")
        former.setdefault(gid, []).append(old)

    removed = []
    for cells in md_table(renames_md, "| last name | GUID | last seen |"):
        name, gid, seen = cells[0], cells[1], cells[2]
        if not GUID_RE.match(gid):
            raise BuildError(f"renamed-roles.md removed table: bad GUID {gid!r}")
        if gid in by_id:
            continue  # still a built-in role (tenant-wide supplement); it is in "roles"
        removed.append({"id": gid, "last_name": name, "last_seen": seen})
    removed.sort(key=lambda x: x["id"])

    roles = []
    trimmed = []
    for rid in sorted(by_id):
        r = by_id[rid]
        name = r["roleName"].strip()
        if name != r["roleName"]:
            trimmed.append({"id": rid, "name_as_listed": r["roleName"]})
        roles.append({
            "id": rid,
            "name": name,
            "former_names": former.get(rid, []),
            "description": r["description"],
            "actions": dedup(r["actions"]),
            "not_actions": dedup(r["notActions"]),
            "data_actions": dedup(r["dataActions"]),
            "not_data_actions": dedup(r["notDataActions"]),
            "conditions": [
                {
                    "condition": c.get("condition"),
                    "condition_version": c.get("conditionVersion"),
                    "actions": c.get("actions", []),
                    "not_actions": c.get("notActions", []),
                    "data_actions": c.get("dataActions", []),
                    "not_data_actions": c.get("notDataActions", []),
                }
                for c in r["conditions"]
            ],
            "deprecated": is_deprecated(r),
            "supplemental": bool(r["supplemental"]),
            "assignable_scopes": r["assignableScopes"],
        })

    # Cosmos DB native roles: cross-check that service-roles.md names them the same way.
    cosmos = []
    for c in COSMOS_ROLES:
        row = re.search(r"\|\s*([^|]+?)\s*\|\s*`" + re.escape(c["id"]) + "`", service_md)
        if not row or row.group(1) != c["name"]:
            raise BuildError(f"service-roles.md section 8 does not name {c['id']} {c['name']!r}")
        if c["id"] in by_id:
            raise BuildError(f"{c['id']} unexpectedly appears in azure-builtin-roles.json")
        cosmos.append({
            "id": c["id"],
            "name": c["name"],
            "data_actions": c["data_actions"],
            "valid_for": COSMOS_VALID_FOR,
            "role_definition_id": "<account resource id>/sqlRoleDefinitions/" + c["id"],
            "note": ("Cosmos DB native data-plane role, not an Azure RBAC role: valid only as roleDefinitionId of "
                     "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments (and, per the Table API page, "
                     "tableRoleAssignments), written as the full id <account id>/sqlRoleDefinitions/<guid>. "
                     "Used in Microsoft.Authorization/roleAssignments it is a bug (service-roles.md section 8)."),
            "source": f"shared/data/service-roles.md section 8; actions from {COSMOS_DOC}; Table API: {COSMOS_TABLE_DOC}",
        })

    return {
        "generated": GENERATED,
        "schema_version": SCHEMA_VERSION,
        "sources": {
            "roles": {
                "file": "shared/data/azure-builtin-roles.json",
                "sha256": sha256(roles_path),
                **provenance(readme),
            },
            "renames": {
                "file": "shared/data/renamed-roles.md",
                "sha256": sha256(renames_path),
            },
        },
        "notes": [
            "Role names are trimmed; names_trimmed lists the ones Azure itself spells with surrounding spaces.",
            "actions/not_actions/data_actions/not_data_actions are the union over a role's permission blocks; "
            "conditions keeps the per-block view for the roles with an ABAC condition (see shared/data/README.md "
            "'Flattening').",
            "supplemental roles come from a tenant-wide dump: they exist but are not returned at subscription scope "
            "(hidden, gated, or assignable only at tenant/provider scope; see assignable_scopes).",
            "deprecated is true when the name says '(Deprecated)' or the description announces deprecation.",
            "removed_roles are GUIDs that left the built-in listing and are absent from azure-builtin-roles.json.",
        ],
        "counts": {
            "roles": len(roles),
            "supplemental": sum(r["supplemental"] for r in roles),
            "deprecated": sum(r["deprecated"] for r in roles),
            "with_former_names": sum(1 for r in roles if r["former_names"]),
            "former_names": sum(len(r["former_names"]) for r in roles),
            "removed_roles": len(removed),
            "cosmos_sql_data_plane_roles": len(cosmos),
        },
        "names_trimmed": trimmed,
        "roles": roles,
        "cosmos_sql_data_plane_roles": cosmos,
        "removed_roles": removed,
    }


def render(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=True) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# validation of the hand-written tables

def action_matches(pattern: str, op: str) -> bool:
    rx = "^" + ".*".join(re.escape(p) for p in pattern.split("*")) + "$"
    return re.match(rx, op, re.I) is not None


def grants(role: dict, op: str) -> bool:
    return (any(action_matches(a, op) for a in role["actions"])
            and not any(action_matches(a, op) for a in role["not_actions"]))


class Checker:
    def __init__(self, doc: dict):
        self.by_id = {r["id"]: r for r in doc["roles"]}
        self.cosmos = {r["id"]: r for r in doc["cosmos_sql_data_plane_roles"]}
        self.errors: list[str] = []

    def err(self, where: str, msg: str) -> None:
        self.errors.append(f"{where}: {msg}")

    def role_ref(self, where: str, obj: dict, kind: str = "azure-rbac") -> None:
        rid, name = obj.get("id"), obj.get("name")
        if kind == "cosmos-sql" or kind == "cosmos-table":
            table = self.cosmos
        elif kind == "azure-rbac":
            table = self.by_id
        else:
            return  # e.g. redis-access-policy: names, not GUIDs
        if not isinstance(rid, str) or not GUID_RE.match(rid):
            self.err(where, f"bad role id {rid!r}")
            return
        if rid not in table:
            self.err(where, f"role id {rid} ({name}) does not exist")
            return
        if table[rid]["name"] != name:
            self.err(where, f"role id {rid} is {table[rid]['name']!r}, not {name!r}")

    def keys(self, where: str, obj: dict, required: list[str], optional: list[str] = ()) -> None:
        missing = [k for k in required if k not in obj]
        extra = [k for k in obj if k not in required and k not in optional]
        if missing:
            self.err(where, f"missing keys {missing}")
        if extra:
            self.err(where, f"unknown keys {extra}")


PREDICATE_OPS = {"equals": ["value"], "subset_of": ["values"], "absent": [], "present": []}
ABSENT = {"insecure", "secure", "unknown"}
ABSENT_BASIS = {"stated", "policy", "general-rule", "not-stated", "required"}
SWITCH_KINDS = {"switch", "companion", "informational"}
INTENTS = {"read", "write", "inference", "admin"}
ASSIGNMENTS = {"azure-rbac", "cosmos-sql", "cosmos-table", "redis-access-policy", "redis-enterprise-access-policy",
               "custom-role"}
OVERBROAD_CATEGORIES = {"owner-like", "role-assignment", "key-listing", "control-plane", "broad-data",
                        "no-data-access", "connection-secrets", "hidden"}


def check_predicate(ck: Checker, where: str, p) -> None:
    if not isinstance(p, dict) or p.get("op") not in PREDICATE_OPS:
        ck.err(where, f"bad predicate {p!r}")
        return
    ck.keys(where, p, ["op"] + PREDICATE_OPS[p["op"]])


def check_local_auth(ck: Checker, t: dict) -> None:
    ck.keys("local-auth.json", t, ["about", "schema_version", "notes", "switches", "no_switch"])
    seen = set()
    for i, e in enumerate(t["switches"]):
        w = f"local-auth.json switches[{i}] {e.get('type')} {e.get('path')}"
        ck.keys(w, e, ["type", "service", "ai_service", "kind", "path", "child", "secure", "absent", "absent_basis",
                       "absent_secure_from_api_version", "requires", "since_api_version",
                       "first_stable_api_version", "latest_api_version", "note", "source"])
        if e.get("kind") not in SWITCH_KINDS:
            ck.err(w, f"bad kind {e.get('kind')!r}")
        if e.get("absent") not in ABSENT:
            ck.err(w, f"bad absent {e.get('absent')!r}")
        if e.get("absent_basis") not in ABSENT_BASIS:
            ck.err(w, f"bad absent_basis {e.get('absent_basis')!r}")
        if e.get("path") is None and e.get("child") is None:
            ck.err(w, "needs a path or a child")
        if not isinstance(e.get("ai_service"), bool):
            ck.err(w, "ai_service must be a bool")
        check_predicate(ck, w, e.get("secure"))
        if e.get("child") is not None:
            ck.keys(w + " child", e["child"], ["type", "names", "path", "source"])
            if not e["child"]["type"].startswith(e["type"] + "/"):
                ck.err(w, "child type must extend the parent type")
        for j, r in enumerate(e.get("requires") or []):
            ck.keys(f"{w} requires[{j}]", r, ["path", "secure", "absent", "note", "source"])
            check_predicate(ck, f"{w} requires[{j}]", r.get("secure"))
            if r.get("absent") not in ABSENT:
                ck.err(w, f"requires[{j}]: bad absent")
        key = (e["type"].lower(), (e.get("path") or "").lower())
        if key in seen:
            ck.err(w, "duplicate (type, path)")
        seen.add(key)
        if not e.get("source"):
            ck.err(w, "missing source")
    for i, e in enumerate(t["no_switch"]):
        ck.keys(f"local-auth.json no_switch[{i}]", e, ["type", "note", "source"])


def check_compute(ck: Checker, t: dict) -> None:
    ck.keys("compute.json", t, ["about", "schema_version", "notes", "hosts", "no_identity"])
    seen = set()
    for i, e in enumerate(t["hosts"]):
        w = f"compute.json hosts[{i}] {e.get('type')}"
        ck.keys(w, e, ["type", "service", "workload", "identity_path", "identity_types", "accepts_any_string",
                       "none_value", "system_assigned", "user_assigned", "combined_value",
                       "user_assigned_identities", "since_api_version", "first_stable_api_version",
                       "latest_stable_api_version", "related_paths", "note", "source"])
        if e["type"].lower() in seen:
            ck.err(w, "duplicate type")
        seen.add(e["type"].lower())
        types = e.get("identity_types", [])
        if e.get("none_value") != ("None" in types):
            ck.err(w, "none_value disagrees with identity_types")
        if types and e.get("system_assigned") != any("SystemAssigned" in x for x in types):
            ck.err(w, "system_assigned disagrees with identity_types")
        if types and e.get("user_assigned") != any("UserAssigned" in x for x in types):
            ck.err(w, "user_assigned disagrees with identity_types")
        combined = [x for x in types if "SystemAssigned" in x and "UserAssigned" in x]
        if (combined[0] if combined else None) != e.get("combined_value"):
            ck.err(w, "combined_value disagrees with identity_types")
        for j, rp in enumerate(e.get("related_paths", [])):
            ck.keys(f"{w} related_paths[{j}]", rp, ["path", "purpose"])
    for i, e in enumerate(t["no_identity"]):
        ck.keys(f"compute.json no_identity[{i}]", e, ["type", "note", "source"])


def check_service_roles(ck: Checker, t: dict) -> None:
    ck.keys("service-roles.json", t, ["about", "schema_version", "notes", "overbroad_roles", "key_operations",
                                      "targets"])
    global_overbroad = set()
    for i, o in enumerate(t["overbroad_roles"]):
        w = f"service-roles.json overbroad_roles[{i}] {o.get('name')}"
        ck.keys(w, o, ["id", "name", "category", "reason", "alternative", "alternative_ids", "source"])
        ck.role_ref(w, o)
        if o.get("category") not in OVERBROAD_CATEGORIES:
            ck.err(w, f"bad category {o.get('category')!r}")
        for a in o.get("alternative_ids", []):
            if a not in ck.by_id:
                ck.err(w, f"alternative id {a} does not exist")
        global_overbroad.add(o["id"])
    for i, k in enumerate(t["key_operations"]):
        w = f"service-roles.json key_operations[{i}] {k.get('operation')}"
        ck.keys(w, k, ["operation", "roles", "note", "source"])
        for r in k.get("roles", []):
            ck.role_ref(w, r)
            role = ck.by_id.get(r.get("id"))
            if role and not grants(role, k["operation"]):
                ck.err(w, f"{r['name']} does not grant {k['operation']} per its actions/notActions")
    for i, tg in enumerate(t["targets"]):
        w = f"service-roles.json targets[{i}] {tg.get('type')} {tg.get('sub_service')} {tg.get('match')}"
        ck.keys(w, tg, ["type", "service", "sub_service", "match", "auto_match", "roles", "overbroad", "note",
                       "source"])
        if not isinstance(tg.get("auto_match"), bool):
            ck.err(w, "auto_match must be a bool")
        for m in tg.get("match", []):
            ck.keys(w + " match", m, ["path", "one_of"])
        local_overbroad = set()
        for j, o in enumerate(tg.get("overbroad", [])):
            ww = f"{w} overbroad[{j}] {o.get('name')}"
            ck.keys(ww, o, ["id", "name", "category", "reason", "alternative", "alternative_ids"])
            ck.role_ref(ww, o)
            if o.get("category") not in OVERBROAD_CATEGORIES:
                ck.err(ww, f"bad category {o.get('category')!r}")
            for a in o.get("alternative_ids", []):
                if a not in ck.by_id and a not in ck.cosmos:
                    ck.err(ww, f"alternative id {a} does not exist")
            local_overbroad.add(o["id"])
        defaults: dict[str, int] = {}
        for j, r in enumerate(tg.get("roles", [])):
            ww = f"{w} roles[{j}] {r.get('name')}"
            ck.keys(ww, r, ["intent", "default", "assignment", "id", "name", "purpose", "overbroad", "custom_actions",
                            "note"])
            if r.get("intent") not in INTENTS:
                ck.err(ww, f"bad intent {r.get('intent')!r}")
            if r.get("assignment") not in ASSIGNMENTS:
                ck.err(ww, f"bad assignment {r.get('assignment')!r}")
            if r.get("assignment") == "custom-role":
                if r.get("id") is not None or not r.get("custom_actions"):
                    ck.err(ww, "custom-role needs id null and custom_actions")
            else:
                ck.role_ref(ww, r, r.get("assignment"))
            if r.get("default"):
                defaults[r["intent"]] = defaults.get(r["intent"], 0) + 1
            flagged = r.get("id") in global_overbroad or r.get("id") in local_overbroad
            # Redis access policies have names, not GUIDs, so they cannot be in an overbroad list: trust the flag.
            if r.get("assignment") in ("azure-rbac", "cosmos-sql", "cosmos-table") and flagged != bool(r.get("overbroad")):
                ck.err(ww, f"overbroad should be {flagged} (role is {'' if flagged else 'not '}in an overbroad list)")
        for intent in {r.get("intent") for r in tg.get("roles", [])}:
            if defaults.get(intent, 0) != 1:
                ck.err(w, f"intent {intent!r} needs exactly one default role, has {defaults.get(intent, 0)}")


def check_service_roles_md(ck: Checker, text: str) -> None:
    """Every "| Name | `guid` |" cell pair and every "Name (`guid`)" in service-roles.md must name that role."""
    pairs = set()
    for m in re.finditer(r"\|\s*([^|`]+?)\s*\|\s*`([0-9a-f-]{36})`", text):
        pairs.add((m.group(1).strip("* "), m.group(2)))
    for m in re.finditer(r"([A-Z][A-Za-z0-9/ ()\-]+?) \(`([0-9a-f-]{36})`\)", text):
        pairs.add((m.group(1).strip(), m.group(2)))
    for name, gid in sorted(pairs):
        table = ck.cosmos if gid in ck.cosmos else ck.by_id
        if gid not in table:
            ck.err("shared/data/service-roles.md", f"{name!r}: GUID {gid} is not a known role")
        elif table[gid]["name"] != name:
            ck.err("shared/data/service-roles.md", f"{name!r}: GUID {gid} is {table[gid]['name']!r}")


def validate(doc: dict, data: Path) -> list[str]:
    ck = Checker(doc)
    check_service_roles_md(ck, (data / "service-roles.md").read_text(encoding="utf-8"))
    for fname, fn in [("local-auth.json", check_local_auth), ("compute.json", check_compute),
                      ("service-roles.json", check_service_roles)]:
        path = RULES / fname
        if not path.is_file():
            ck.err(fname, "missing")
            continue
        try:
            table = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as e:
            ck.err(fname, f"invalid JSON: {e}")
            continue
        try:
            fn(ck, table)
        except (KeyError, TypeError, AttributeError) as e:
            ck.err(fname, f"malformed table ({type(e).__name__}: {e})")
    return ck.errors


# ---------------------------------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="do not write; exit 1 if rules/roles.json differs from a fresh build or a table is invalid")
    ap.add_argument("--data", help="directory holding azure-builtin-roles.json and renamed-roles.md")
    args = ap.parse_args()
    try:
        data = find_data_dir(args.data)
        doc = build(data)
    except BuildError as e:
        print(f"build-roles: error: {e}", file=sys.stderr)
        return 2
    text = render(doc)
    status = 0
    if args.check:
        current = ROLES_OUT.read_text(encoding="utf-8") if ROLES_OUT.is_file() else None
        if current != text:
            print("build-roles: rules/roles.json is stale; run python3 scripts/build-roles.py", file=sys.stderr)
            status = 1
    else:
        RULES.mkdir(exist_ok=True)
        if not ROLES_OUT.is_file() or ROLES_OUT.read_text(encoding="utf-8") != text:
            ROLES_OUT.write_text(text, encoding="utf-8", newline="\n")
            print(f"build-roles: wrote {ROLES_OUT.relative_to(REPO)} ({doc['counts']['roles']} roles)")
        else:
            print(f"build-roles: {ROLES_OUT.relative_to(REPO)} is up to date ({doc['counts']['roles']} roles)")
    errors = validate(doc, data)
    for e in errors:
        print(f"build-roles: invalid table: {e}", file=sys.stderr)
    if errors:
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
