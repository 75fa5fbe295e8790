import { poolView } from '../src/kernels/reduce.js';
console.log(poolView([2, 4], [0], false), poolView([2, 4], 0, false), poolView([16, 8, 8, 4], [0, 1, 2], false));
