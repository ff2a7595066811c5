# The end state of each run of compression.sh, as a markdown table.
import csv, numpy as np, os, sys
base=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'runs')
runs=[('s1-n10',base+'/default-s1')]+[(f's{s}-n{n}',f'{base}/compress/s{s}-n{n}') for s in (1,2) for n in (10,3,4,6) if not (s==1 and n==10)]
print("| run | sessions | task red % n=14 late (last 2) | end n=14 [95% CI] | end n=20 [95% CI] | I_real n=14 end | I_shuffle n=14 end | noise corr end | Fano end | mean w end | links w>=0.5 |")
print("|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|")
for name,d in sorted(runs, key=lambda r:(r[0][:2], -int(r[0].split('-n')[1]))):
    if not os.path.exists(d+'/info.csv'): continue
    rows=list(csv.DictReader(open(d+'/info.csv')))
    task=[r for r in rows if r['block_name']=='task']
    def at(n):
        return [r for r in task if r['subset_n']==str(n)]
    t14=at(14); t20=at(20)
    late=np.mean([float(r['redundancy_pct']) for r in t14[-2:]])
    e14=t14[-1]; e20=t20[-1]
    w=np.load(d+'/w_final.npy')
    print(f"| {name} | {len(t14)-1} | {late:.1f} | {float(e14['redundancy_pct']):.1f} [{float(e14['redundancy_pct_boot_lo']):.1f}, {float(e14['redundancy_pct_boot_hi']):.1f}] | {float(e20['redundancy_pct']):.1f} [{float(e20['redundancy_pct_boot_lo']):.1f}, {float(e20['redundancy_pct_boot_hi']):.1f}] | {float(e14['i_real']):.2f} | {float(e14['i_shuffle']):.2f} | {float(e20['noise_corr']):.3f} | {float(e20['fano']):.2f} | {w.mean():.3f} | {100*(w>=0.5).mean():.1f}% |")
