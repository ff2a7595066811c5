#!/bin/bash
# The compressed-training check: the default experiment with its 10 training
# sessions compressed into 3, 4 and 6 (eta_w and lambda_w x 10/sessions, as the
# presets consistency, within-trial, spatial and large do), seeds 1 and 2, next
# to the full 10 sessions (seed 1: a default run in runs/default-s1). Compare the
# end states with compression-table.py; result in compression-result.md.
cd "$(dirname "$0")/../.."
mkdir -p runs/compress
bin/iplgpu run -seed 2 -out runs/compress/s2-n10 > runs/compress/s2-n10.log 2>&1
for seed in 1 2; do for S in 3 4 6; do
  eta=$(python3 -c "print(0.000035*10/$S)"); lam=$(python3 -c "print(0.00017*10/$S)")
  bin/iplgpu run -seed $seed -set protocol.sessions=$S -set dynamics.eta_w=$eta -set dynamics.lambda_w_per_s=$lam -out runs/compress/s$seed-n$S > runs/compress/s$seed-n$S.log 2>&1
done; done
bin/iplgpu run -seed 1 -out runs/default-s1 > runs/compress/s1-n10.log 2>&1
echo DONE
