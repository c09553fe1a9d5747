# Placeholder: the firmware part replaces this with one record per board.
BOARDS := nano
BOARD ?= nano
