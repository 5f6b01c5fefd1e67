"""python3 cli.py < request.json  -> {"slots": [...]} (see README.md)"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slots import free_slots  # noqa: E402


def main():
    req = json.load(sys.stdin)
    slots = free_slots(req["day_start"], req["day_end"], req["busy"], req["min_minutes"])
    print(json.dumps({"slots": slots}))


if __name__ == "__main__":
    main()
