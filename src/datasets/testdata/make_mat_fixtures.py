"""Builds tiny MATLAB level-5 annotation files in the layouts of the official Flowers102, DTD and StanfordCars
releases (same variable names, fields, classes and value types), for the .mat reader and those datasets' tests.
Run: python3 make_mat_fixtures.py  (needs scipy)"""
import numpy as np
from scipy.io import savemat

# Flowers102: imagelabels.mat {labels: 1x8189 double}, setid.mat {trnid, valid, tstid: 1xN double}; here 8 images
savemat('flowers102_imagelabels.mat', {'labels': np.array([[77, 77, 3, 1, 102, 5, 5, 2]], dtype=np.float64)}, do_compression=True)
savemat('flowers102_setid.mat', {'trnid': np.array([[1, 4]], dtype=np.float64), 'valid': np.array([[2, 8]], dtype=np.float64), 'tstid': np.array([[3, 5, 6, 7]], dtype=np.float64)})

# DTD: imdb/imdb.mat {images: struct with name (1xN cell of char), class (1xN double), set (1xN double), id}
images = {
    'id': np.array([[1, 2, 3, 4, 5]], dtype=np.float64),
    'name': np.array([['banded/banded_0002.jpg', 'banded/banded_0004.jpg', 'blotchy/blotchy_0003.jpg', 'zigzagged/zigzagged_0133.jpg', 'blotchy/blotchy_0010.jpg']], dtype=object),
    'class': np.array([[1, 1, 2, 47, 2]], dtype=np.float64),
    'set': np.array([[1, 2, 3, 1, 3]], dtype=np.float64),
}
savemat('dtd_imdb.mat', {'images': images, 'meta': {'classes': np.array([['banded', 'blotchy']], dtype=object)}}, do_compression=True)

# StanfordCars cars_annos.mat: annotations = 1xN struct array {relative_im_path, bbox_*, class (uint8), test (uint8)}
ann = np.zeros((1, 3), dtype=[('relative_im_path', 'O'), ('bbox_x1', 'O'), ('class', 'O'), ('test', 'O')])
for i, (path, cls, test) in enumerate([('car_ims/000001.jpg', 1, 0), ('car_ims/000002.jpg', 196, 1), ('car_ims/000003.jpg', 14, 0)]):
    ann[0, i] = (path, np.array([[39 + i]], dtype=np.uint8), np.array([[cls]], dtype=np.uint8), np.array([[test]], dtype=np.uint8))
savemat('cars_annos.mat', {'annotations': ann, 'class_names': np.array([['AM General Hummer SUV 2000', 'smart fortwo Convertible 2012']], dtype=object)})
print('ok')
