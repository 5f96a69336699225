package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
)

const leaseSecs = 10

// redisWQ plays the seed's worker.py on top of rediswq.py (Kubernetes'
// fine-parallel-processing example) against the real Redis:
//
//	lease:    BRPOPLPUSH q q:processing (2 s), SETEX q:leased_by_session:<sha224(item)> 10 <session>
//	complete: LREM q:processing 0 item, DEL the lease key
//	empty:    LLEN q == 0 and LLEN q:processing == 0
func (s *sim) redisWQ(ctx context.Context, p *corev1.Pod, lw *podLogs) error {
	queue := p.Annotations[annRedisQueue]
	if queue == "" {
		return fmt.Errorf("pod has no %s annotation", annRedisQueue)
	}
	host := p.Annotations[annRedisHost]
	if host == "" {
		host = "redis"
	}
	addr := s.resolve(host + ":6379")
	rdb := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 5 * time.Second, MaxRetries: 2})
	defer rdb.Close()
	c := p.Spec.Containers[0].Name
	processing := queue + ":processing"
	session := uuid4()

	empty := func() (bool, error) {
		for {
			n1, err1 := rdb.LLen(ctx, queue).Result()
			n2, err2 := rdb.LLen(ctx, processing).Result()
			if err := errors.Join(err1, err2); err == nil {
				return n1 == 0 && n2 == 0, nil
			} else if ctx.Err() != nil {
				return false, ctx.Err()
			} else {
				log.Printf("%s/%s: redis %s: %v (retrying)", p.Namespace, p.Name, addr, err)
			}
			if !sleepCtx(ctx, 2*time.Second) {
				return false, ctx.Err()
			}
		}
	}

	lw.Printf(c, "Worker with sessionID: %s", session)
	e, err := empty()
	if err != nil {
		return err
	}
	lw.Printf(c, "Initial queue state: empty=%s", pyBool(e))
	for {
		if e, err = empty(); err != nil {
			return err
		} else if e {
			break
		}
		item, err := rdb.BRPopLPush(ctx, queue, processing, 2*time.Second).Bytes()
		if errors.Is(err, redis.Nil) {
			lw.Println(c, "Waiting for work")
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			log.Printf("%s/%s: redis lease: %v", p.Namespace, p.Name, err)
			sleepCtx(ctx, 2*time.Second)
			continue
		}
		key := queue + ":leased_by_session:" + sha224hex(item)
		if err := rdb.SetEx(ctx, key, session, leaseSecs*time.Second).Err(); err != nil {
			return err
		}
		lw.Printf(c, "Working on %s", item)
		if !sleepCtx(ctx, s.workTime()) {
			return ctx.Err()
		}
		if err := rdb.LRem(ctx, processing, 0, item).Err(); err != nil {
			return err
		}
		if err := rdb.Del(ctx, key).Err(); err != nil {
			return err
		}
	}
	lw.Println(c, "Queue empty, exiting")
	return nil
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func sha224hex(b []byte) string {
	h := sha256.Sum224(b)
	return hex.EncodeToString(h[:])
}

func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
