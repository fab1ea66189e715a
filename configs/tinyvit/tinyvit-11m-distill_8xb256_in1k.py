_base_ = [
    './tinyvit-11m_8xb256_in1k.py',
]
