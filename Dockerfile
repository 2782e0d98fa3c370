# The bot as a container: python -m bot serve, the database on a volume at /data.
#   docker build -t awards-bot .
#   docker run -d --name awards-bot -e TELEGRAM_BOT_TOKEN=... -v awards-bot-data:/data awards-bot
# Webhook mode: add -e TELEGRAM_WEBHOOK_URL=https://your.host/telegram -p 8080:8080.

# 1. Build the wheel (the dataset goes inside it as bot/data).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY data ./data
RUN pip wheel --no-cache-dir --no-deps -w /dist .

# 2. The image: pinned dependencies, the wheel, a user without privileges.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AWARDS_BOT_DB=/data/awards_bot.sqlite3 \
    PORT=8080
RUN useradd --create-home --uid 10001 bot && mkdir /data && chown bot:bot /data
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt && rm /tmp/requirements.txt
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-cache-dir --no-deps /tmp/*.whl && rm /tmp/*.whl
USER bot
WORKDIR /home/bot
VOLUME /data
EXPOSE 8080
# Webhook mode: GET /healthz (200 while the bot and its database work). Long polling has no
# endpoint; the check then passes while the process runs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-m", "bot", "health"]
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bot", "serve"]
