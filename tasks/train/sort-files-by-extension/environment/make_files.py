import os, sys
sys.path.insert(0, "/tmp")
from files_spec import FILES
os.makedirs("/app/incoming", exist_ok=True)
for name, content in FILES.items():
    with open(os.path.join("/app/incoming", name), "w") as f:
        f.write(content)
