;; Depthwise convolution (channel multiplier 1) of NHWC float32 data, in WebAssembly SIMD on the wasm
;; backend's heap (imported memory; pointers are byte offsets):
;;
;;   y[n, r, q, c] = sum over taps (i, j) of x[n, r*sh + i - top, q*sw + j - left, c] * w[i, j, c]
;;
;; Taps on the padding read a row of zeros. Per output pixel, the address of each tap's input pixel
;; goes to a table; then each block of 4 channels sums its taps in one register, with the filter
;; packed as [block][tap][4 channels] so that it reads the filter sequentially. Channels past the
;; last full block run one at a time. $scratch holds the filter packed
;; (ceil(C / 4) x taps x 16 bytes), the tap table (4 bytes per tap) and C zeros.
;; Built to depthwise-conv.generated.ts by scripts/build-wasm-kernels.mjs.
(module
  (import "env" "memory" (memory 1))
  (func (export "depthwiseConv")
    (param $x i32) (param $w i32) (param $y i32) (param $scratch i32)
    (param $n i32) (param $h i32) (param $wd i32) (param $c i32)
    (param $ho i32) (param $wo i32) (param $fh i32) (param $fw i32)
    (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $taps i32) (local $rowBytes i32) (local $c4 i32) (local $packed i32) (local $table i32) (local $zeros i32)
    (local $t i32) (local $k i32) (local $src i32) (local $dst i32) (local $b i32) (local $r i32) (local $q i32)
    (local $i i32) (local $j i32) (local $xr i32) (local $xc i32) (local $image i32) (local $out i32)
    (local $wp i32) (local $tp i32) (local $tend i32) (local $acc v128) (local $acc2 v128) (local $s f32)
    (local $t0 i32) (local $t1 i32) (local $t2 i32) (local $t3 i32) (local $t4 i32) (local $t5 i32) (local $t6 i32) (local $t7 i32) (local $t8 i32)
    (local.set $taps (i32.mul (local.get $fh) (local.get $fw)))
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $c4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (local.set $packed (local.get $scratch))
    (local.set $table (i32.add (local.get $packed) (i32.mul (i32.shl (local.get $taps) (i32.const 4)) (i32.shr_u (i32.add (local.get $c) (i32.const 3)) (i32.const 2)))))
    (local.set $zeros (i32.add (local.get $table) (i32.shl (local.get $taps) (i32.const 2))))
    (memory.fill (local.get $zeros) (i32.const 0) (local.get $rowBytes))
    ;; pack the full blocks of the filter: packed[block][tap] = w[tap][4 channels of the block]
    (local.set $t (i32.const 0))
    (block $packed (loop $packTap
      (br_if $packed (i32.ge_u (local.get $t) (local.get $taps)))
      (local.set $src (i32.add (local.get $w) (i32.mul (local.get $t) (local.get $rowBytes))))
      (local.set $dst (i32.add (local.get $packed) (i32.shl (local.get $t) (i32.const 4))))
      (local.set $k (i32.const 0))
      (block $blocksDone (loop $packBlock
        (br_if $blocksDone (i32.ge_u (local.get $k) (local.get $c4)))
        (v128.store (local.get $dst) (v128.load (i32.add (local.get $src) (local.get $k))))
        (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $taps) (i32.const 4))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $packBlock)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $packTap)))
    (local.set $tend (i32.add (local.get $table) (i32.shl (local.get $taps) (i32.const 2))))
    (local.set $out (local.get $y))
    (block $doneB (loop $loopB
      (br_if $doneB (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $image (i32.add (local.get $x) (i32.mul (i32.mul (i32.mul (local.get $b) (local.get $h)) (local.get $wd)) (local.get $rowBytes))))
      (local.set $r (i32.const 0))
      (block $doneR (loop $loopR
        (br_if $doneR (i32.ge_u (local.get $r) (local.get $ho)))
        (local.set $q (i32.const 0))
        (block $doneQ (loop $loopQ
          (br_if $doneQ (i32.ge_u (local.get $q) (local.get $wo)))
          ;; the tap table of this output pixel
          (local.set $tp (local.get $table))
          (local.set $i (i32.const 0))
          (block $doneI (loop $loopI
            (br_if $doneI (i32.ge_u (local.get $i) (local.get $fh)))
            (local.set $xr (i32.sub (i32.add (i32.mul (local.get $r) (local.get $sh)) (local.get $i)) (local.get $top)))
            (local.set $j (i32.const 0))
            (block $doneJ (loop $loopJ
              (br_if $doneJ (i32.ge_u (local.get $j) (local.get $fw)))
              (local.set $xc (i32.sub (i32.add (i32.mul (local.get $q) (local.get $sw)) (local.get $j)) (local.get $left)))
              ;; unsigned compares also reject negative rows and columns
              (i32.store (local.get $tp)
                (select
                  (i32.add (local.get $image) (i32.mul (i32.add (i32.mul (local.get $xr) (local.get $wd)) (local.get $xc)) (local.get $rowBytes)))
                  (local.get $zeros)
                  (i32.and (i32.lt_u (local.get $xr) (local.get $h)) (i32.lt_u (local.get $xc) (local.get $wd)))))
              (local.set $tp (i32.add (local.get $tp) (i32.const 4)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $loopJ)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $loopI)))
          ;; four channels at a time
          (local.set $wp (local.get $packed))
          (local.set $k (i32.const 0))
          ;; a 3 x 3 window: the nine taps' addresses in locals, two registers sum them
          (if (i32.eq (local.get $taps) (i32.const 9)) (then
            (local.set $t0 (i32.load offset=0 (local.get $table)))
            (local.set $t1 (i32.load offset=4 (local.get $table)))
            (local.set $t2 (i32.load offset=8 (local.get $table)))
            (local.set $t3 (i32.load offset=12 (local.get $table)))
            (local.set $t4 (i32.load offset=16 (local.get $table)))
            (local.set $t5 (i32.load offset=20 (local.get $table)))
            (local.set $t6 (i32.load offset=24 (local.get $table)))
            (local.set $t7 (i32.load offset=28 (local.get $table)))
            (local.set $t8 (i32.load offset=32 (local.get $table)))
            (block $done9 (loop $loop9
              (br_if $done9 (i32.ge_u (local.get $k) (local.get $c4)))
              (local.set $acc (f32x4.mul (v128.load (i32.add (local.get $t0) (local.get $k))) (v128.load (local.get $wp))))
              (local.set $acc2 (f32x4.mul (v128.load (i32.add (local.get $t1) (local.get $k))) (v128.load offset=16 (local.get $wp))))
              (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (i32.add (local.get $t2) (local.get $k))) (v128.load offset=32 (local.get $wp)))))
              (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (v128.load (i32.add (local.get $t3) (local.get $k))) (v128.load offset=48 (local.get $wp)))))
              (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (i32.add (local.get $t4) (local.get $k))) (v128.load offset=64 (local.get $wp)))))
              (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (v128.load (i32.add (local.get $t5) (local.get $k))) (v128.load offset=80 (local.get $wp)))))
              (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (i32.add (local.get $t6) (local.get $k))) (v128.load offset=96 (local.get $wp)))))
              (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (v128.load (i32.add (local.get $t7) (local.get $k))) (v128.load offset=112 (local.get $wp)))))
              (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (i32.add (local.get $t8) (local.get $k))) (v128.load offset=128 (local.get $wp)))))
              (v128.store (i32.add (local.get $out) (local.get $k)) (f32x4.add (local.get $acc) (local.get $acc2)))
              (local.set $wp (i32.add (local.get $wp) (i32.const 144)))
              (local.set $k (i32.add (local.get $k) (i32.const 16)))
              (br $loop9)))))
          ;; any other window: one register sums the taps from the table
          (block $doneK (loop $loopK
            (br_if $doneK (i32.ge_u (local.get $k) (local.get $c4)))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $tp (local.get $table))
            (loop $tap
              (local.set $acc (f32x4.add (local.get $acc)
                (f32x4.mul (v128.load (i32.add (i32.load (local.get $tp)) (local.get $k))) (v128.load (local.get $wp)))))
              (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
              (local.set $tp (i32.add (local.get $tp) (i32.const 4)))
              (br_if $tap (i32.ne (local.get $tp) (local.get $tend))))
            (v128.store (i32.add (local.get $out) (local.get $k)) (local.get $acc))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $loopK)))
          ;; the remaining channels one at a time, from the filter as stored
          (block $doneT (loop $loopT
            (br_if $doneT (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $s (f32.const 0))
            (local.set $tp (local.get $table))
            (local.set $wp (i32.add (local.get $w) (local.get $k)))
            (loop $tap1
              (local.set $s (f32.add (local.get $s)
                (f32.mul (f32.load (i32.add (i32.load (local.get $tp)) (local.get $k))) (f32.load (local.get $wp)))))
              (local.set $wp (i32.add (local.get $wp) (local.get $rowBytes)))
              (local.set $tp (i32.add (local.get $tp) (i32.const 4)))
              (br_if $tap1 (i32.ne (local.get $tp) (local.get $tend))))
            (f32.store (i32.add (local.get $out) (local.get $k)) (local.get $s))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $loopT)))
          (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $loopQ)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $loopR)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $loopB)))))
