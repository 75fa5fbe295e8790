;; The row passes of a training batch norm over NHWC data seen as M rows of C channels, in
;; WebAssembly SIMD on the wasm backend's heap (imported memory; pointers are byte offsets). The
;; per-channel arithmetic on [C] vectors stays in JavaScript (wasm-batch-norm-training.ts).
;;
;; channelSums(mode, x, mean, dy, out, m, c): per channel, in float64 (out holds 2C doubles):
;;   mode 0: out[c] = sum x             mode 1: out[c] = sum (x - mean)^2
;;   mode 2: out[c] = sum dy, out[C + c] = sum dy * (x - mean)
;; centeredAffine(x, a, k, b, y, m, c, relu): y = (x - a) * k + b per channel (a, k, b: [C] float32);
;;   with relu != 0, max(y, 0) (as the backend's Relu: NaN passes through, -0 becomes 0).
;; batchNormGradRows(dy, x, mean, k, a, g, dx, m, c): dx = k * (dy - a - (x - mean) * g).
;; Four channels at a time, the remainder one at a time. Built to batch-norm.generated.ts by
;; scripts/build-wasm-kernels.mjs.
(module
  (import "env" "memory" (memory 1))

  ;; The sums run over chunks of rows that stay in the cache: per chunk, each block of 4 channels
  ;; (then each remaining channel) adds the chunk's rows to its float64 sums in registers, in row
  ;; order, so the sums equal a row-by-row float64 accumulation.

  ;; 4 channels at $x (rows $rowBytes apart), $rows rows: sums into the doubles at $s (and $s2 for mode 2)
  (func $sums4 (param $mode i32) (param $x i32) (param $mean i32) (param $dy i32) (param $s i32) (param $s2 i32) (param $rows i32) (param $rowBytes i32)
    (local $lo v128) (local $hi v128) (local $lo2 v128) (local $hi2 v128) (local $mv v128) (local $v v128) (local $d v128) (local $end i32)
    (local.set $lo (v128.load (local.get $s)))
    (local.set $hi (v128.load offset=16 (local.get $s)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (if (i32.eqz (local.get $mode)) (then
      (loop $row
        (local.set $v (v128.load (local.get $x)))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (br_if $row (i32.ne (local.get $x) (local.get $end))))))
    (local.set $mv (v128.load (local.get $mean)))
    (if (i32.eq (local.get $mode) (i32.const 1)) (then
      (loop $row
        (local.set $v (f32x4.sub (v128.load (local.get $x)) (local.get $mv)))
        (local.set $v (f32x4.mul (local.get $v) (local.get $v)))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (br_if $row (i32.ne (local.get $x) (local.get $end))))))
    (if (i32.eq (local.get $mode) (i32.const 2)) (then
      (local.set $lo2 (v128.load (local.get $s2)))
      (local.set $hi2 (v128.load offset=16 (local.get $s2)))
      (loop $row
        (local.set $d (v128.load (local.get $dy)))
        (local.set $v (f32x4.mul (local.get $d) (f32x4.sub (v128.load (local.get $x)) (local.get $mv))))
        (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $d))))
        (local.set $hi (f64x2.add (local.get $hi) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d) (local.get $d)))))
        (local.set $lo2 (f64x2.add (local.get $lo2) (f64x2.promote_low_f32x4 (local.get $v))))
        (local.set $hi2 (f64x2.add (local.get $hi2) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
        (br_if $row (i32.ne (local.get $x) (local.get $end))))
      (v128.store (local.get $s2) (local.get $lo2))
      (v128.store offset=16 (local.get $s2) (local.get $hi2))))
    (v128.store (local.get $s) (local.get $lo))
    (v128.store offset=16 (local.get $s) (local.get $hi)))

  ;; one channel at $x: as $sums4
  (func $sums1 (param $mode i32) (param $x i32) (param $mean i32) (param $dy i32) (param $s i32) (param $s2 i32) (param $rows i32) (param $rowBytes i32)
    (local $a f64) (local $a2 f64) (local $mv f32) (local $v f32) (local $d f32) (local $end i32)
    (local.set $a (f64.load (local.get $s)))
    (local.set $a2 (f64.load (local.get $s2)))
    (local.set $mv (f32.load (local.get $mean)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (loop $row
      (local.set $v (f32.load (local.get $x)))
      (if (i32.eqz (local.get $mode))
        (then (local.set $a (f64.add (local.get $a) (f64.promote_f32 (local.get $v)))))
        (else
          (local.set $v (f32.sub (local.get $v) (local.get $mv)))
          (if (i32.eq (local.get $mode) (i32.const 1))
            (then (local.set $a (f64.add (local.get $a) (f64.promote_f32 (f32.mul (local.get $v) (local.get $v))))))
            (else
              (local.set $d (f32.load (local.get $dy)))
              (local.set $a (f64.add (local.get $a) (f64.promote_f32 (local.get $d))))
              (local.set $a2 (f64.add (local.get $a2) (f64.promote_f32 (f32.mul (local.get $d) (local.get $v)))))))))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
      (br_if $row (i32.ne (local.get $x) (local.get $end))))
    (f64.store (local.get $s) (local.get $a))
    (f64.store (local.get $s2) (local.get $a2)))

  (func (export "channelSums")
    (param $mode i32) (param $x i32) (param $mean i32) (param $dy i32) (param $out i32) (param $m i32) (param $c i32)
    (local $row i32) (local $rows i32) (local $chunk i32) (local $k i32) (local $end4 i32) (local $rowBytes i32) (local $off i32) (local $out2 i32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (local.set $out2 (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3))))
    ;; rows per chunk: about 64 KB of x (and as much of dy), which stay in the L2 cache while each block of channels reads them
    (local.set $chunk (i32.div_u (i32.const 65536) (local.get $rowBytes)))
    (if (i32.eqz (local.get $chunk)) (then (local.set $chunk (i32.const 1))))
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $c) (i32.const 4)))
    (block $doneRows (loop $chunks
      (br_if $doneRows (i32.ge_u (local.get $row) (local.get $m)))
      (local.set $rows (select (local.get $chunk) (i32.sub (local.get $m) (local.get $row)) (i32.le_u (local.get $chunk) (i32.sub (local.get $m) (local.get $row)))))
      (local.set $off (i32.mul (local.get $row) (local.get $rowBytes)))
      (local.set $k (i32.const 0))
      (block $done4 (loop $block4
        (br_if $done4 (i32.ge_u (local.get $k) (local.get $end4)))
        (call $sums4 (local.get $mode) (i32.add (local.get $x) (i32.add (local.get $off) (local.get $k))) (i32.add (local.get $mean) (local.get $k))
          (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $k))) (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 1)))
          (i32.add (local.get $out2) (i32.shl (local.get $k) (i32.const 1))) (local.get $rows) (local.get $rowBytes))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $block4)))
      (block $done1 (loop $block1
        (br_if $done1 (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (call $sums1 (local.get $mode) (i32.add (local.get $x) (i32.add (local.get $off) (local.get $k))) (i32.add (local.get $mean) (local.get $k))
          (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $k))) (i32.add (local.get $out) (i32.shl (local.get $k) (i32.const 1)))
          (i32.add (local.get $out2) (i32.shl (local.get $k) (i32.const 1))) (local.get $rows) (local.get $rowBytes))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $block1)))
      (local.set $row (i32.add (local.get $row) (local.get $rows)))
      (br $chunks))))

  (func (export "centeredAffine")
    (param $x i32) (param $a i32) (param $kv i32) (param $b i32) (param $y i32) (param $m i32) (param $c i32) (param $relu i32)
    (local $row i32) (local $k i32) (local $end4 i32) (local $rowBytes i32) (local $off i32) (local $v v128) (local $s f32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (local.set $row (i32.const 0))
    (block $doneRow (loop $loopRow
      (br_if $doneRow (i32.ge_u (local.get $row) (local.get $m)))
      (local.set $off (i32.mul (local.get $row) (local.get $rowBytes)))
      (local.set $k (i32.const 0))
      (block $doneK (loop $loopK
        (br_if $doneK (i32.ge_u (local.get $k) (local.get $end4)))
        (local.set $v
          (f32x4.add
            (f32x4.mul
              (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $k)))) (v128.load (i32.add (local.get $a) (local.get $k))))
              (v128.load (i32.add (local.get $kv) (local.get $k))))
            (v128.load (i32.add (local.get $b) (local.get $k)))))
        (if (local.get $relu) (then (local.set $v (f32x4.max (local.get $v) (v128.const i32x4 0 0 0 0)))))
        (v128.store (i32.add (local.get $y) (i32.add (local.get $off) (local.get $k))) (local.get $v))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $loopK)))
      (block $doneT (loop $loopT
        (br_if $doneT (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (local.set $s
          (f32.add
            (f32.mul
              (f32.sub (f32.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $k)))) (f32.load (i32.add (local.get $a) (local.get $k))))
              (f32.load (i32.add (local.get $kv) (local.get $k))))
            (f32.load (i32.add (local.get $b) (local.get $k)))))
        ;; in a SIMD lane, as above: V8's scalar f32.max gives NaN another sign bit
        (if (local.get $relu) (then
          (local.set $s (f32x4.extract_lane 0 (f32x4.max (f32x4.splat (local.get $s)) (v128.const i32x4 0 0 0 0))))))
        (f32.store (i32.add (local.get $y) (i32.add (local.get $off) (local.get $k))) (local.get $s))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $loopT)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $loopRow))))

  (func (export "batchNormGradRows")
    (param $dy i32) (param $x i32) (param $mean i32) (param $kv i32) (param $a i32) (param $g i32) (param $dx i32) (param $m i32) (param $c i32)
    (local $row i32) (local $k i32) (local $end4 i32) (local $rowBytes i32) (local $off i32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (local.set $row (i32.const 0))
    (block $doneRow (loop $loopRow
      (br_if $doneRow (i32.ge_u (local.get $row) (local.get $m)))
      (local.set $off (i32.mul (local.get $row) (local.get $rowBytes)))
      (local.set $k (i32.const 0))
      (block $doneK (loop $loopK
        (br_if $doneK (i32.ge_u (local.get $k) (local.get $end4)))
        (v128.store (i32.add (local.get $dx) (i32.add (local.get $off) (local.get $k)))
          (f32x4.mul
            (v128.load (i32.add (local.get $kv) (local.get $k)))
            (f32x4.sub
              (f32x4.sub (v128.load (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $k)))) (v128.load (i32.add (local.get $a) (local.get $k))))
              (f32x4.mul
                (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $k)))) (v128.load (i32.add (local.get $mean) (local.get $k))))
                (v128.load (i32.add (local.get $g) (local.get $k)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $loopK)))
      (block $doneT (loop $loopT
        (br_if $doneT (i32.ge_u (local.get $k) (local.get $rowBytes)))
        (f32.store (i32.add (local.get $dx) (i32.add (local.get $off) (local.get $k)))
          (f32.mul
            (f32.load (i32.add (local.get $kv) (local.get $k)))
            (f32.sub
              (f32.sub (f32.load (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $k)))) (f32.load (i32.add (local.get $a) (local.get $k))))
              (f32.mul
                (f32.sub (f32.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $k)))) (f32.load (i32.add (local.get $mean) (local.get $k))))
                (f32.load (i32.add (local.get $g) (local.get $k)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $loopT)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $loopRow)))))
