/** `MultiLabelDataset` (MMPretrain `datasets/multi_label.py`): OpenMMLab 2.0 annotations whose `gt_label` is a list. */
import { BaseDataset } from './base_dataset';

export class MultiLabelDataset extends BaseDataset {
  /** All category ids of sample `idx` (its `gt_label` list). */
  override getCatIds(idx: number): number[] {
    const label = this.getDataInfo(idx).gt_label;
    return Array.isArray(label) ? label.map(Number) : label === undefined || label === null ? [] : [Number(label)];
  }
}
