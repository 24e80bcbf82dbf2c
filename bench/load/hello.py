"""The ceiling: a tiny FastAPI app measured by bench/load/mixed.py under the same load generator.

uvicorn hello:app --app-dir bench/load --host 127.0.0.1 --port 8001
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


@app.get("/readyz")
async def readyz() -> dict[str, str]:
    return {"status": "ready"}
