// Fault matrix, part 1: the rows with `file: 1` in _fault-matrix.ts.
import { matrixSuite } from './_fault-matrix-run.ts';

matrixSuite(1);
