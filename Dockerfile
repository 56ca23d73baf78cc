# resonant's HTTP API. The LLM runs elsewhere (vLLM in compose.yaml); this image holds
# the detectors, the embedder and the server, on CPU, and not the embedded LLM.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY resonant ./resonant
COPY resonant_tools ./resonant_tools
# CPU torch first so nothing resolves the CUDA build. No compiler: the core has no C++ to build.
RUN pip install --no-cache-dir torch==2.13.0 \
    && pip install --no-cache-dir ".[server,postgres,redis]"
EXPOSE 8080
CMD ["resonant", "serve", "--host", "0.0.0.0", "--port", "8080"]
