"""One catalogue per language: zh_cn (the default) and en."""
