"""Entry point: the API on $PORT. uvicorn drains in-flight requests on SIGTERM before exiting."""

import logging

import uvicorn

from service import create_app
from settings import Settings

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings.from_env()
    uvicorn.run(
        create_app(settings), host="0.0.0.0", port=settings.port, timeout_graceful_shutdown=25, access_log=False
    )
