;; Filter gradient of an NHWC depthwise convolution (channel multiplier 1), in WebAssembly SIMD.
;; It runs on the wasm backend's own heap (the memory is imported), reading the forward input x
;; [N, H, W, C] and the output gradient dy [N, Ho, Wo, C] where tfjs keeps them, and writing
;; dW [fh, fw, C] into a tensor tfjs allocated. Pointers are byte offsets into that heap.
;;
;;   dW[i, j, c] = sum over n, r, q of x[n, r*sh + i - top, q*sw + j - left, c] * dy[n, r, q, c]
;;
;; Taps that fall on the padding add nothing and are skipped. Channels run four at a time
;; (f32x4), the remainder one at a time. Built to depthwise-filter-grad.generated.ts by
;; scripts/build-wasm-kernels.mjs.
(module
  (import "env" "memory" (memory 1))
  (func (export "depthwiseFilterGrad")
    (param $x i32) (param $dy i32) (param $out i32)
    (param $n i32) (param $h i32) (param $w i32) (param $c i32)
    (param $ho i32) (param $wo i32) (param $fh i32) (param $fw i32)
    (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $b i32) (local $r i32) (local $q i32) (local $i i32) (local $j i32)
    (local $xr i32) (local $xc i32) (local $k i32) (local $c4 i32) (local $rowBytes i32)
    (local $dyPos i32) (local $xPos i32) (local $oPos i32) (local $end i32)
    ;; c4: channels handled four at a time; rowBytes: bytes of one pixel's channels
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    (local.set $rowBytes (i32.shl (local.get $c) (i32.const 2)))
    ;; zero the output
    (memory.fill (local.get $out) (i32.const 0)
      (i32.mul (i32.mul (local.get $fh) (local.get $fw)) (local.get $rowBytes)))
    (local.set $dyPos (local.get $dy))
    (local.set $b (i32.const 0))
    (block $doneB (loop $loopB
      (br_if $doneB (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $r (i32.const 0))
      (block $doneR (loop $loopR
        (br_if $doneR (i32.ge_u (local.get $r) (local.get $ho)))
        (local.set $q (i32.const 0))
        (block $doneQ (loop $loopQ
          (br_if $doneQ (i32.ge_u (local.get $q) (local.get $wo)))
          (local.set $i (i32.const 0))
          (block $doneI (loop $loopI
            (br_if $doneI (i32.ge_u (local.get $i) (local.get $fh)))
            (local.set $xr (i32.sub (i32.add (i32.mul (local.get $r) (local.get $sh)) (local.get $i)) (local.get $top)))
            ;; unsigned compare also rejects negative rows
            (if (i32.lt_u (local.get $xr) (local.get $h)) (then
              (local.set $j (i32.const 0))
              (block $doneJ (loop $loopJ
                (br_if $doneJ (i32.ge_u (local.get $j) (local.get $fw)))
                (local.set $xc (i32.sub (i32.add (i32.mul (local.get $q) (local.get $sw)) (local.get $j)) (local.get $left)))
                (if (i32.lt_u (local.get $xc) (local.get $w)) (then
                  (local.set $xPos (i32.add (local.get $x)
                    (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $xr)) (local.get $w)) (local.get $xc))
                      (local.get $rowBytes))))
                  (local.set $oPos (i32.add (local.get $out)
                    (i32.mul (i32.add (i32.mul (local.get $i) (local.get $fw)) (local.get $j)) (local.get $rowBytes))))
                  ;; four channels at a time
                  (local.set $k (i32.const 0))
                  (local.set $end (i32.shl (local.get $c4) (i32.const 2)))
                  (block $doneK (loop $loopK
                    (br_if $doneK (i32.ge_u (local.get $k) (local.get $end)))
                    (v128.store (i32.add (local.get $oPos) (local.get $k))
                      (f32x4.add
                        (v128.load (i32.add (local.get $oPos) (local.get $k)))
                        (f32x4.mul
                          (v128.load (i32.add (local.get $xPos) (local.get $k)))
                          (v128.load (i32.add (local.get $dyPos) (local.get $k))))))
                    (local.set $k (i32.add (local.get $k) (i32.const 16)))
                    (br $loopK)))
                  ;; the remaining channels one at a time
                  (block $doneT (loop $loopT
                    (br_if $doneT (i32.ge_u (local.get $k) (local.get $rowBytes)))
                    (f32.store (i32.add (local.get $oPos) (local.get $k))
                      (f32.add
                        (f32.load (i32.add (local.get $oPos) (local.get $k)))
                        (f32.mul
                          (f32.load (i32.add (local.get $xPos) (local.get $k)))
                          (f32.load (i32.add (local.get $dyPos) (local.get $k))))))
                    (local.set $k (i32.add (local.get $k) (i32.const 4)))
                    (br $loopT)))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $loopJ)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $loopI)))
          (local.set $dyPos (i32.add (local.get $dyPos) (local.get $rowBytes)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $loopQ)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $loopR)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $loopB)))))
