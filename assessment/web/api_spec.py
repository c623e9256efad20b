"""The read-only API's description in OpenAPI 3.1 (served at ``/api/v1/openapi.json``).

Kept beside ``api.py`` by hand; ``tests/web/test_api.py`` validates it with
openapi-spec-validator and checks every endpoint's real answers against its schemas.
"""

from __future__ import annotations

VERSION = "1.0.0"


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _page_of(item: str) -> dict:
    return {
        "type": "object",
        "required": ["data", "page", "per_page", "total", "pages", "next"],
        "additionalProperties": False,
        "properties": {
            "data": {"type": "array", "items": _ref(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 1},
            "next": {
                **_nullable({"type": "string"}),
                "description": "The address of the next page, or null on the last one.",
            },
        },
    }


_STRING = {"type": "string"}
_DATE_TEXT = _nullable({"type": "string"})
_NUMBER = _nullable({"type": "number"})
_PERSON = _nullable(
    {
        "type": "object",
        "required": ["id", "name"],
        "additionalProperties": False,
        "properties": {"id": {"type": "integer"}, "name": _nullable(_STRING)},
    }
)
_TREND = _nullable(
    {
        "type": "object",
        "required": ["previous", "delta", "direction"],
        "additionalProperties": False,
        "properties": {
            "previous": {"type": "number"},
            "delta": {"type": "number"},
            "direction": {"type": "string"},
        },
    }
)

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "additionalProperties": False,
                "properties": {"status": {"type": "integer"}, "message": _STRING},
            }
        },
    },
    "Client": {
        "type": "object",
        "required": ["id", "name", "industry", "lead", "archived", "rounds", "review_cadence"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "name": _STRING,
            "industry": _STRING,
            "lead": _PERSON,
            "archived": {"type": "boolean"},
            "rounds": {"type": "integer", "minimum": 0},
            "review_cadence": _STRING,
        },
    },
    "Round": {
        "type": "object",
        "required": [
            "id",
            "client",
            "kind",
            "period",
            "questionnaire",
            "status",
            "anonymous",
            "anonymity_floor",
            "due_date",
            "closed_at",
            "created_at",
            "results_url",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "client": {
                "type": "object",
                "required": ["id", "name"],
                "additionalProperties": False,
                "properties": {"id": {"type": "integer"}, "name": _STRING},
            },
            "kind": _STRING,
            "period": _STRING,
            "questionnaire": {
                "type": "object",
                "required": ["id", "version"],
                "additionalProperties": False,
                "properties": {"id": _STRING, "version": {"type": "integer"}},
            },
            "status": {"type": "string", "enum": ["open", "closed"]},
            "anonymous": {"type": "boolean"},
            "anonymity_floor": _nullable({"type": "integer"}),
            "due_date": _DATE_TEXT,
            "closed_at": _DATE_TEXT,
            "created_at": _STRING,
            "results_url": _STRING,
        },
    },
    "Action": {
        "type": "object",
        "required": [
            "id",
            "round_id",
            "round_period",
            "sign_id",
            "title",
            "owner",
            "due_date",
            "status",
            "completed_at",
            "created_at",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "round_id": {"type": "integer"},
            "round_period": _STRING,
            "sign_id": _STRING,
            "title": _STRING,
            "owner": _STRING,
            "due_date": _DATE_TEXT,
            "status": {"type": "string", "enum": ["open", "done"]},
            "completed_at": _DATE_TEXT,
            "created_at": _STRING,
        },
    },
    "SignScore": {
        "type": "object",
        "required": ["id", "status", "score", "band"],
        "additionalProperties": False,
        "properties": {
            "id": _STRING,
            "status": {
                "type": "string",
                "description": "ok, insufficient, withheld (anonymity) or not_asked",
            },
            "score": _NUMBER,
            "band": _nullable(_STRING),
        },
    },
    "Scores": {
        "type": "object",
        "description": "Aggregates only: nothing of any one person.",
        "required": ["index", "band", "trend", "escalations", "signs", "incomparable"],
        "additionalProperties": False,
        "properties": {
            "index": _NUMBER,
            "band": _nullable(_STRING),
            "trend": _TREND,
            "escalations": {"type": "integer", "minimum": 0},
            "signs": {"type": "array", "items": _ref("SignScore")},
            "incomparable": {"type": "array", "items": _STRING},
            "perception": _nullable(
                {
                    "type": "object",
                    "required": ["gap", "gap_signs", "client_side"],
                    "additionalProperties": False,
                    "properties": {
                        "gap": _NUMBER,
                        "gap_signs": {"type": "array", "items": _STRING},
                        "client_side": _nullable(
                            {"type": "string", "enum": ["compared", "not_enough"]}
                        ),
                    },
                }
            ),
        },
    },
    "RoundResults": {
        "type": "object",
        "required": ["round", "state", "reason", "floor", "message", "results"],
        "additionalProperties": False,
        "properties": {
            "round": _ref("Round"),
            "state": {
                "type": "string",
                "enum": ["shown", "withheld"],
                "description": "withheld: an anonymous round still open, or closed with"
                " fewer submissions than its floor; results is then null.",
            },
            "reason": {"type": "string", "enum": ["live", "shown", "open", "withheld"]},
            "floor": _nullable({"type": "integer"}),
            "message": _nullable(_STRING),
            "results": _nullable(_ref("Scores")),
        },
    },
    "PortfolioRow": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "client",
            "lead",
            "round_id",
            "period",
            "kind",
            "index",
            "band",
            "trend",
            "withheld",
            "withheld_signs",
            "signs",
            "escalations",
            "overdue_actions",
            "open_round_id",
            "next_review_due",
            "review_overdue",
            "gap",
            "gap_signs",
            "client_side",
        ],
        "properties": {
            "client": {
                "type": "object",
                "required": ["id", "name", "industry"],
                "additionalProperties": False,
                "properties": {"id": {"type": "integer"}, "name": _STRING, "industry": _STRING},
            },
            "lead": _PERSON,
            "round_id": _nullable({"type": "integer"}),
            "period": _nullable(_STRING),
            "kind": _nullable(_STRING),
            "index": _NUMBER,
            "band": _nullable(_STRING),
            "trend": _TREND,
            "withheld": {"type": "boolean"},
            "withheld_signs": {"type": "array", "items": _STRING},
            "signs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "band", "score"],
                    "additionalProperties": False,
                    "properties": {"id": _STRING, "band": _nullable(_STRING), "score": _NUMBER},
                },
            },
            "escalations": {"type": "integer"},
            "overdue_actions": {"type": "integer"},
            "open_round_id": _nullable({"type": "integer"}),
            "next_review_due": _DATE_TEXT,
            "review_overdue": {"type": "boolean"},
            "gap": _NUMBER,
            "gap_signs": {"type": "array", "items": _STRING},
            "client_side": _nullable(_STRING),
        },
    },
    "ClientPage": _page_of("Client"),
    "RoundPage": _page_of("Round"),
    "ActionPage": _page_of("Action"),
    "PortfolioPage": _page_of("PortfolioRow"),
}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("Error")}},
    }


_ERRORS = {
    "400": _error("A token in the address, or a bad page number."),
    "401": _error("No token, or an unknown, expired or revoked one."),
    "429": {
        **_error("Too many requests from this token; try again after Retry-After seconds."),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
    "304": {"description": "Not modified (If-None-Match matched the ETag)."},
}
_PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
    },
]


def _get(summary: str, schema: str, *, params=(), paged=False, forbidden=True, missing=False):
    responses = {
        "200": {
            "description": "OK",
            "headers": {"ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": _ref(schema)}},
        },
        **_ERRORS,
    }
    if forbidden:
        responses["403"] = _error("Members may not see this (leads and admins only).")
    if missing or params:
        responses["404"] = _error("No such record or page.")
    parameters = list(params) + (_PAGING if paged else [])
    operation = {"summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


def _id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def spec() -> dict:
    """The description as a new dict each time (built from literals: cheap, nothing to cache)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Partnership Check API",
            "version": VERSION,
            "description": (
                "Read-only. Authenticate with a personal access token (account page) in the"
                " Authorization: Bearer header; a token in the address is refused. Leads and"
                " admins see every client; members see only the rounds they take part in and"
                " the team summaries their lead shares. Anonymous rounds show aggregates"
                " only, from their anonymity floor."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/clients": _get(
                "Clients (leads and admins)",
                "ClientPage",
                params=[
                    {
                        "name": "archived",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["true", "false"]},
                    }
                ],
                paged=True,
            ),
            "/clients/{client_id}": _get("One client", "Client", params=[_id("client_id")]),
            "/clients/{client_id}/rounds": _get(
                "A client's rounds", "RoundPage", params=[_id("client_id")], paged=True
            ),
            "/clients/{client_id}/actions": _get(
                "A client's actions", "ActionPage", params=[_id("client_id")], paged=True
            ),
            "/rounds": _get(
                "The rounds the token's owner takes part in",
                "RoundPage",
                paged=True,
                forbidden=False,
            ),
            "/rounds/{round_id}": _get(
                "One round (a member: one they take part in)",
                "Round",
                params=[_id("round_id")],
                forbidden=False,
            ),
            "/rounds/{round_id}/results": _get(
                "A round's aggregates, or withheld with its floor (a member: the team"
                " summary their lead shares)",
                "RoundResults",
                params=[_id("round_id")],
                forbidden=False,
            ),
            "/portfolio": _get("The portfolio, riskiest first", "PortfolioPage", paged=True),
            "/openapi.json": {
                "get": {
                    "summary": "This description",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1"}},
                }
            },
        },
    }
