# Two commands for a fresh machine: `make serve` and `make test`.
# Both create ./.venv on first use and keep it up to date with pyproject.toml.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: serve test index lint bench system-packages

$(BIN)/archive: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/archive
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## serve the sample archive on http://$(HOST):$(PORT)/ (indexes it first if needed)
serve: $(BIN)/archive
	$(BIN)/archive serve --host $(HOST) --port $(PORT)

## bring the index up to date with ./documents
index: $(BIN)/archive
	$(BIN)/archive index

APT_PACKAGES := chromium poppler-utils tesseract-ocr tesseract-ocr-deu tesseract-ocr-fra

## Debian packages: Chromium (browser tests), poppler (PDF checks), Tesseract (OCR of scans)
system-packages:
	@if command -v chromium >/dev/null && command -v pdftotext >/dev/null \
		&& tesseract --list-langs 2>/dev/null | grep -q '^fra' \
		&& tesseract --list-langs 2>/dev/null | grep -q '^deu'; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	else echo "note: install $(APT_PACKAGES) (apt-get) for OCR and the browser and PDF tests"; fi

## set up and run every test
test: $(VENV)/.test-deps system-packages
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

## run the benchmarks (prints tables; see bench/README.md)
bench: $(VENV)/.test-deps system-packages
	$(BIN)/python bench/fidelity.py
	$(BIN)/python bench/indexing.py
	$(BIN)/python bench/relevance.py
	$(BIN)/python bench/ocr.py
	$(BIN)/python bench/translations.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/reindex.py --full
