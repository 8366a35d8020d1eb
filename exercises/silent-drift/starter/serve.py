"""Start the scoring service: python serve.py (listens on $PORT, default 8000)."""

import os

import uvicorn

if __name__ == "__main__":
    uvicorn.run("app:app", host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
