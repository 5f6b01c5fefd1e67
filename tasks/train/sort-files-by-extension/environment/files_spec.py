# The files placed in /app/incoming (name -> content), shared by the setup and the verifier.
FILES = {
    "Quarterly Report.PDF": "%PDF-1.4 quarterly numbers\n",
    "notes.txt": "buy milk\n",
    "todo.TXT": "1. sort files\n",
    "archive.tar.gz": "not really gzip\n",
    "Makefile": "all:\n\techo hi\n",
    ".bashrc": "alias ll='ls -l'\n",
    "photo.jpeg": "jpeg bytes\n",
    "IMG_0001.JPG": "JPG bytes\n",
    "data.backup.csv": "a,b\n1,2\n",
    "script.sh": "#!/bin/sh\necho run\n",
    "weird.": "trailing dot\n",
    "README": "read me\n",
    "song.Mp3": "ID3 fake\n",
    "my notes.md": "# notes with a space\n",
    "report-final.pdf": "%PDF-1.7 final\n",
}
