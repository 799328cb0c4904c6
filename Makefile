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

# In parallel (pytest-xdist), one worker per core.
test: $(STAMP)
	$(VENV)/bin/python -m pytest -q -n auto

clean:
	rm -rf $(VENV) .derive-cache
