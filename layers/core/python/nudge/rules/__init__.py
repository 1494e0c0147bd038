"""Pure rules: functions of their arguments only (no database, no network, no clock).

Features call them with data the store returned; tests call them with plain values.
"""
