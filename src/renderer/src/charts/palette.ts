// Series colours distinguishable in both themes and for common colour-vision deficiencies.
export const PALETTE = ['#2f7ed8', '#e8743b', '#19a979', '#d64b9b', '#945ecf', '#c9a227', '#13a4b4', '#6c8893'];
export const colorAt = (i: number) => PALETTE[i % PALETTE.length]!;
