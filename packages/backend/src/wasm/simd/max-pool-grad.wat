;; Input gradient of an NHWC max pool, in WebAssembly SIMD, on the wasm backend's heap (the memory
;; is imported; pointers are byte offsets). In every window the first maximum in row-major order
;; takes the window's gradient (padding never counts), and a position's gradient is summed in
;; output order: the cpu backend's rule, ties included.
;;
;; Per window, the byte offsets of its taps inside the padding go to a table at $table (4 bytes per
;; tap of the window), in row-major order. Then, four channels at a time: one pass over the table
;; keeps the maximum and the number of the tap that holds it (a strictly greater value replaces
;; it); a second pass adds dy, masked to the lanes each tap won, to every tap (no branch on the
;; data). Remaining channels run the same two passes one at a time. Built to
;; max-pool-grad.generated.ts by scripts/build-wasm-kernels.mjs.
(module
  (import "env" "memory" (memory 1))
  (func (export "maxPoolGrad")
    (param $x i32) (param $dy i32) (param $dx i32) (param $table i32)
    (param $n i32) (param $h i32) (param $w i32) (param $c i32)
    (param $ho i32) (param $wo i32) (param $fh i32) (param $fw i32)
    (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $b i32) (local $r i32) (local $q i32) (local $i i32) (local $j i32)
    (local $xr i32) (local $xc i32) (local $k i32) (local $end4 i32) (local $rowBytes i32)
    (local $dyPos i32) (local $image i32) (local $tp i32) (local $tend i32) (local $at i32)
    (local $best v128) (local $bestTap v128) (local $v v128) (local $gt v128) (local $d v128) (local $tv v128)
    (local $bestS f32) (local $bestTapS i32) (local $vS f32)
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (memory.fill (local.get $dx) (i32.const 0)
      (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $h)) (local.get $w)) (local.get $rowBytes)))
    (local.set $dyPos (local.get $dy))
    (block $doneB (loop $loopB
      (br_if $doneB (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $image (i32.mul (i32.mul (i32.mul (local.get $b) (local.get $h)) (local.get $w)) (local.get $rowBytes)))
      (local.set $r (i32.const 0))
      (block $doneR (loop $loopR
        (br_if $doneR (i32.ge_u (local.get $r) (local.get $ho)))
        (local.set $q (i32.const 0))
        (block $doneQ (loop $loopQ
          (br_if $doneQ (i32.ge_u (local.get $q) (local.get $wo)))
          ;; the window's taps inside the padding, row-major (unsigned compares reject negatives)
          (local.set $tend (local.get $table))
          (local.set $i (i32.const 0))
          (block $doneI (loop $loopI
            (br_if $doneI (i32.ge_u (local.get $i) (local.get $fh)))
            (local.set $xr (i32.sub (i32.add (i32.mul (local.get $r) (local.get $sh)) (local.get $i)) (local.get $top)))
            (if (i32.lt_u (local.get $xr) (local.get $h)) (then
              (local.set $j (i32.const 0))
              (block $doneJ (loop $loopJ
                (br_if $doneJ (i32.ge_u (local.get $j) (local.get $fw)))
                (local.set $xc (i32.sub (i32.add (i32.mul (local.get $q) (local.get $sw)) (local.get $j)) (local.get $left)))
                (if (i32.lt_u (local.get $xc) (local.get $w)) (then
                  (i32.store (local.get $tend)
                    (i32.add (local.get $image) (i32.mul (i32.add (i32.mul (local.get $xr) (local.get $w)) (local.get $xc)) (local.get $rowBytes))))
                  (local.set $tend (i32.add (local.get $tend) (i32.const 4)))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $loopJ)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $loopI)))
          (if (i32.ne (local.get $tend) (local.get $table)) (then
          (local.set $k (i32.const 0))
          ;; ---- four channels at a time ----
          (block $doneK (loop $loopK
            (br_if $doneK (i32.ge_u (local.get $k) (local.get $end4)))
            (local.set $best (f32x4.splat (f32.const -inf)))
            (local.set $bestTap (i32x4.splat (i32.const -1)))
            ;; pass 1: maximum and the number of its tap
            (local.set $tp (local.get $table))
            (local.set $tv (i32x4.splat (i32.const 0)))
            (loop $pass1
              (local.set $v (v128.load (i32.add (local.get $x) (i32.add (i32.load (local.get $tp)) (local.get $k)))))
              (local.set $gt (f32x4.gt (local.get $v) (local.get $best)))
              (local.set $best (v128.bitselect (local.get $v) (local.get $best) (local.get $gt)))
              (local.set $bestTap (v128.bitselect (local.get $tv) (local.get $bestTap) (local.get $gt)))
              (local.set $tv (i32x4.add (local.get $tv) (i32x4.splat (i32.const 1))))
              (local.set $tp (i32.add (local.get $tp) (i32.const 4)))
              (br_if $pass1 (i32.ne (local.get $tp) (local.get $tend))))
            ;; pass 2: dy, masked to the lanes each tap won, added to every tap
            (local.set $d (v128.load (i32.add (local.get $dyPos) (local.get $k))))
            (local.set $tp (local.get $table))
            (local.set $tv (i32x4.splat (i32.const 0)))
            (loop $pass2
              (local.set $at (i32.add (local.get $dx) (i32.add (i32.load (local.get $tp)) (local.get $k))))
              (v128.store (local.get $at)
                (f32x4.add (v128.load (local.get $at))
                  (v128.and (local.get $d) (i32x4.eq (local.get $bestTap) (local.get $tv)))))
              (local.set $tv (i32x4.add (local.get $tv) (i32x4.splat (i32.const 1))))
              (local.set $tp (i32.add (local.get $tp) (i32.const 4)))
              (br_if $pass2 (i32.ne (local.get $tp) (local.get $tend))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $loopK)))
          ;; ---- remaining channels one at a time ----
          (block $doneT (loop $loopT
            (br_if $doneT (i32.ge_u (local.get $k) (local.get $rowBytes)))
            (local.set $bestS (f32.const -inf))
            (local.set $bestTapS (i32.const -1))
            (local.set $tp (local.get $table))
            (loop $pass3
              (local.set $at (i32.add (i32.load (local.get $tp)) (local.get $k)))
              (local.set $vS (f32.load (i32.add (local.get $x) (local.get $at))))
              (if (f32.gt (local.get $vS) (local.get $bestS)) (then
                (local.set $bestS (local.get $vS))
                (local.set $bestTapS (local.get $at))))
              (local.set $tp (i32.add (local.get $tp) (i32.const 4)))
              (br_if $pass3 (i32.ne (local.get $tp) (local.get $tend))))
            (if (i32.ge_s (local.get $bestTapS) (i32.const 0)) (then
              (local.set $at (i32.add (local.get $dx) (local.get $bestTapS)))
              (f32.store (local.get $at)
                (f32.add (f32.load (local.get $at)) (f32.load (i32.add (local.get $dyPos) (local.get $k)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $loopT)))))
          (local.set $dyPos (i32.add (local.get $dyPos) (local.get $rowBytes)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $loopQ)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $loopR)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $loopB)))))
