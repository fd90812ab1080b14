"""The cookies a reader gets by posting (own.py, remembered.py), set or removed with the
answer: HttpOnly, SameSite=Lax, Secure over HTTPS."""

from __future__ import annotations

from flask import Response, after_this_request, request


def set_with_answer(name: str, value: str, max_age: int) -> None:
    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            name, value, max_age=max_age, httponly=True, samesite="Lax", secure=request.is_secure
        )
        return response


def delete_with_answer(name: str) -> None:
    @after_this_request
    def delete_cookie(response: Response) -> Response:
        response.delete_cookie(name, httponly=True, samesite="Lax", secure=request.is_secure)
        return response
