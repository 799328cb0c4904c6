# The two commands of the README: `make check` and `make test`.
# Each creates (or reuses) the virtual environment .venv and installs the project into it.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: check test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

check: $(STAMP)
	$(VENV)/bin/derive check

# In parallel (pytest-xdist), one worker per core; tests are handed out one at a time, the longest first
# (tests/conftest.py orders them), so that the workers finish together.
test: $(STAMP)
	$(VENV)/bin/python -m pytest -q -n auto --dist loadgroup --no-loadscope-reorder

clean:
	rm -rf $(VENV) .derive-cache
