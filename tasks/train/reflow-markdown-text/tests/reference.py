"""Reference implementation of the reflow rules (used only by the verifier)."""
import re

BULLET = re.compile(r"([-*]|[0-9]+\.) ")


def fill(words, width, first, rest):
    out, line, has_word = [], first, False
    for w in words:
        if not has_word:
            line += w
            has_word = True
        elif len(line) + 1 + len(w) <= width:
            line += " " + w
        else:
            out.append(line)
            line = rest + w
    out.append(line)
    return out


def words_of(lines):
    return [w for w in re.split(r"[ \t]+", " ".join(lines)) if w]


def reflow(text, width):
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    blocks, i, n = [], 0, len(lines)
    while i < n:
        if lines[i].strip(" \t") == "":
            i += 1
            continue
        if lines[i].startswith("```"):
            j = i + 1
            while j < n and not lines[j].startswith("```"):
                j += 1
            blocks.append(lines[i:j + 1])
            i = j + 1
            continue
        j = i
        while j < n and lines[j].strip(" \t") != "" and not (j > i and lines[j].startswith("```")):
            j += 1
        block, i = lines[i:j], j
        first = block[0]
        if first.startswith(("    ", "\t", "#")):
            blocks.append(block)
        elif BULLET.match(first.lstrip(" ")):
            items = []
            for line in block:
                m = BULLET.match(line.lstrip(" "))
                if m:
                    items.append((m.group(0), [line.lstrip(" ")[len(m.group(0)):]]))
                else:
                    items[-1][1].append(line)
            out = []
            for prefix, item_lines in items:
                out += fill(words_of(item_lines), width, prefix, " " * len(prefix))
            blocks.append(out)
        else:
            blocks.append(fill(words_of(block), width, "", ""))
    return "\n\n".join("\n".join(b) for b in blocks) + "\n" if blocks else ""
