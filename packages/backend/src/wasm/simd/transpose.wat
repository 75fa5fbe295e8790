;; Transpose of a float32 [rows, cols] matrix into [cols, rows], in WebAssembly SIMD on the wasm
;; backend's heap (imported memory; pointers are byte offsets). Tiles of 4 x 4 are loaded as four
;; row vectors, transposed in registers with lane shuffles and stored as four column vectors; tiles
;; are visited in 32 x 32 blocks so that both matrices stay in cache. Rows or columns left over
;; from the multiples of 4 are copied one value at a time. Built to transpose.generated.ts by
;; scripts/build-wasm-kernels.mjs.
(module
  (import "env" "memory" (memory 1))

  ;; one value: dst[c, r] = src[r, c]
  (func $one (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32) (param $r i32) (param $c i32)
    (f32.store
      (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2)))
      (f32.load
        (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2))))))

  (func (export "transpose2d") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $r4 i32) (local $c4 i32) (local $br i32) (local $bc i32) (local $r i32) (local $c i32)
    (local $rEnd i32) (local $cEnd i32) (local $p i32) (local $rowBytes i32) (local $colBytes i32)
    (local $a v128) (local $b v128) (local $x v128) (local $y v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $r4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $c4 (i32.and (local.get $cols) (i32.const -4)))
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $colBytes (i32.shl (local.get $rows) (i32.const 2)))
    ;; 4 x 4 tiles, in 32 x 32 blocks
    (local.set $br (i32.const 0))
    (block $doneBR (loop $loopBR
      (br_if $doneBR (i32.ge_u (local.get $br) (local.get $r4)))
      (local.set $rEnd (select (i32.add (local.get $br) (i32.const 32)) (local.get $r4)
        (i32.lt_u (i32.add (local.get $br) (i32.const 32)) (local.get $r4))))
      (local.set $bc (i32.const 0))
      (block $doneBC (loop $loopBC
        (br_if $doneBC (i32.ge_u (local.get $bc) (local.get $c4)))
        (local.set $cEnd (select (i32.add (local.get $bc) (i32.const 32)) (local.get $c4)
          (i32.lt_u (i32.add (local.get $bc) (i32.const 32)) (local.get $c4))))
        (local.set $r (local.get $br))
        (block $doneR (loop $loopR
          (br_if $doneR (i32.ge_u (local.get $r) (local.get $rEnd)))
          (local.set $c (local.get $bc))
          (block $doneC (loop $loopC
            (br_if $doneC (i32.ge_u (local.get $c) (local.get $cEnd)))
            ;; rows r..r+3, columns c..c+3
            (local.set $p (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2))))
            (local.set $a (v128.load (local.get $p)))
            (local.set $b (v128.load (i32.add (local.get $p) (local.get $rowBytes))))
            (local.set $x (v128.load (i32.add (local.get $p) (i32.shl (local.get $rowBytes) (i32.const 1)))))
            (local.set $y (v128.load (i32.add (local.get $p) (i32.mul (local.get $rowBytes) (i32.const 3)))))
            ;; interleave pairs of rows: t0 = a0 b0 a1 b1, t1 = a2 b2 a3 b3, t2 = x0 y0 x1 y1, t3 = x2 y2 x3 y3
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b)))
            (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x) (local.get $y)))
            (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x) (local.get $y)))
            ;; columns: c0 = a0 b0 x0 y0, c1 = a1 b1 x1 y1, c2 = a2 b2 x2 y2, c3 = a3 b3 x3 y3
            (local.set $p (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $rows)) (local.get $r)) (i32.const 2))))
            (v128.store (local.get $p) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $p) (local.get $colBytes))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
            (v128.store (i32.add (local.get $p) (i32.shl (local.get $colBytes) (i32.const 1)))
              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
            (v128.store (i32.add (local.get $p) (i32.mul (local.get $colBytes) (i32.const 3)))
              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $loopC)))
          (local.set $r (i32.add (local.get $r) (i32.const 4)))
          (br $loopR)))
        (local.set $bc (i32.add (local.get $bc) (i32.const 32)))
        (br $loopBC)))
      (local.set $br (i32.add (local.get $br) (i32.const 32)))
      (br $loopBR)))
    ;; columns past the last multiple of 4, every row
    (local.set $r (i32.const 0))
    (block $doneR2 (loop $loopR2
      (br_if $doneR2 (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $c (local.get $c4))
      (block $doneC2 (loop $loopC2
        (br_if $doneC2 (i32.ge_u (local.get $c) (local.get $cols)))
        (call $one (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols) (local.get $r) (local.get $c))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $loopC2)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $loopR2)))
    ;; rows past the last multiple of 4, the first c4 columns
    (local.set $r (local.get $r4))
    (block $doneR3 (loop $loopR3
      (br_if $doneR3 (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $c (i32.const 0))
      (block $doneC3 (loop $loopC3
        (br_if $doneC3 (i32.ge_u (local.get $c) (local.get $c4)))
        (call $one (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols) (local.get $r) (local.get $c))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $loopC3)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $loopR3)))))
