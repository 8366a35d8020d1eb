"""Start the scoring service: python serve.py (listens on $PORT, default 8000)."""

import logging
import os

import uvicorn

from app import create_app

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format='{"at": "%(asctime)s", "level": "%(levelname)s", "msg": %(message)r}')
    uvicorn.run(create_app(), host="0.0.0.0", port=int(os.environ.get("PORT", "8000")), access_log=False)
