"""Builds cifar-10-python.tiny.tar.gz: the python-pickle layout of CIFAR-10 (cifar-10-batches-py/) holding the first
12 REAL records of the official data_batch_1 (../../../../shared/data/cifar10/data_batch_1.first258.bin), pickled the
way the official Python-2 files are (protocol 2, str as BINSTRING, numpy arrays via _reconstruct), so the test reads
what `pickle.load(f, encoding='latin1')` reads in MMPretrain. Run: python3 make_cifar_python_fixture.py"""
import io, pickle, struct, tarfile, sys
import numpy as np

SRC = sys.argv[1] if len(sys.argv) > 1 else '../../../../shared/data/cifar10/data_batch_1.first258.bin'
raw = open(SRC, 'rb').read()
rec = 3073
labels = [raw[i * rec] for i in range(12)]
pixels = np.frombuffer(b''.join(raw[i * rec + 1:(i + 1) * rec] for i in range(12)), np.uint8).reshape(12, 3072)


class Py2Pickler(pickle._Pickler):
    """Writes bytes and ASCII str as Python 2 `str` (BINSTRING), as cPickle in Python 2 did."""
    def save_bytes(self, obj):
        n = len(obj)
        self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj if n < 256 else pickle.BINSTRING + struct.pack('<i', n) + obj)
        self.memoize(obj)

    def save_str(self, obj):
        self.save_bytes(obj.encode('latin1'))

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[bytes] = save_bytes
    dispatch[str] = save_str


def dump(obj):
    f = io.BytesIO()
    Py2Pickler(f, protocol=2).dump(obj)
    return f.getvalue()


files = {}
for b in range(5):  # two records per train batch: records 0-9
    files[f'cifar-10-batches-py/data_batch_{b + 1}'] = dump({'batch_label': f'training batch {b + 1} of 5', 'labels': labels[2 * b:2 * b + 2], 'data': pixels[2 * b:2 * b + 2], 'filenames': [f'r{2 * b}.png', f'r{2 * b + 1}.png']})
files['cifar-10-batches-py/test_batch'] = dump({'batch_label': 'testing batch 1 of 1', 'labels': labels[10:12], 'data': pixels[10:12], 'filenames': ['r10.png', 'r11.png']})
files['cifar-10-batches-py/batches.meta'] = dump({'num_cases_per_batch': 10000, 'label_names': ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'], 'num_vis': 3072})
for name, blob in files.items():  # what MMPretrain does with them
    entry = pickle.loads(blob, encoding='latin1')
    assert isinstance(entry, dict)
with tarfile.open('cifar-10-python.tiny.tar.gz', 'w:gz') as tar:
    for name, blob in files.items():
        info = tarfile.TarInfo(name)
        info.size = len(blob)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(blob))
print('labels', labels)
